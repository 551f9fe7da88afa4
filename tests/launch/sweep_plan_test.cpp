// The plan a sweep's ranks read (launch/sweep/sweep_plan.h): it survives its JSON form,
// pairs map to (std, guidance) as documented, each part's job differs from the shared
// settings only in snapshot, track, guidance and seeds, and a changed setting is another sweep.
#include "launch/sweep/sweep_plan.h"

#include <gtest/gtest.h>

namespace {

using dact::launch::SweepPlan;

SweepPlan example_plan() {
  SweepPlan plan;
  plan.stds = {0.05, 0.1, 0.15};
  plan.guidances = {1.0, 1.5};
  plan.num_images = 100;
  plan.part_images = 32;
  plan.job.sampler = "heun";
  plan.job.steps = 16;
  plan.job.seed_begin = 1000;
  plan.job.batch = 32;
  plan.job.guidance_low = 0.3;
  plan.job.guidance_high = 2.9;
  plan.job.edm.rho = 5;
  plan.job.feature_weights = "/features.h5";
  plan.reconstructions = {"/a.h5", "/b.h5", "/c.h5"};
  return plan;
}

TEST(SweepPlan, PairsPartsAndJobs) {
  const SweepPlan plan = example_plan();
  ASSERT_EQ(plan.pair_count(), 6u);
  EXPECT_EQ(plan.std_of(3), 0.1);  // pair p = (stds[p / 2], guidances[p % 2])
  EXPECT_EQ(plan.guidance_of(3), 1.5);
  const auto parts = plan.parts();
  ASSERT_EQ(parts.size(), 4u);  // 32 + 32 + 32 + 4 seeds
  EXPECT_EQ(parts[3].seed_begin, 1096);
  EXPECT_EQ(parts[3].seed_end, 1100);
  const auto job = plan.part_job(3, parts[1]);
  EXPECT_EQ(job.snapshot_path, "/b.h5");
  EXPECT_EQ(job.ema_std, 0.1);
  EXPECT_EQ(job.guidance, 1.5);
  EXPECT_EQ(job.seed_begin, 1032);
  EXPECT_EQ(job.seed_end, 1064);
  EXPECT_EQ(job.sampler, "heun");
  EXPECT_EQ(job.steps, 16);
  EXPECT_EQ(job.edm.rho, 5);
  EXPECT_EQ(job.guidance_low, 0.3);
  EXPECT_EQ(job.guidance_high, 2.9);
}

TEST(SweepPlan, JsonRoundTripAndWhatMakesAnotherSweep) {
  const SweepPlan plan = example_plan();
  const SweepPlan read = dact::launch::sweep_plan_from_json(nlohmann::json::parse(to_json(plan).dump()));
  EXPECT_TRUE(read.same_sweep_as(plan));
  EXPECT_EQ(read.reconstructions, plan.reconstructions);
  EXPECT_EQ(read.part_job(5, plan.parts()[0]).edm.rho, 5);

  SweepPlan other = plan;
  other.job.steps = 32;
  EXPECT_FALSE(other.same_sweep_as(plan));
  other = plan;
  other.guidances = {1.0};
  EXPECT_FALSE(other.same_sweep_as(plan));
  other = plan;
  other.reconstructions = {"/x.h5", "/y.h5", "/z.h5"};  // where they are is no setting
  EXPECT_TRUE(other.same_sweep_as(plan));

  nlohmann::json broken = to_json(plan);
  broken.erase("stds");
  EXPECT_THROW(dact::launch::sweep_plan_from_json(broken), std::invalid_argument);
}

}  // namespace
