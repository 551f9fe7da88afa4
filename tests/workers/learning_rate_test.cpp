// The DiT/MAR schedules of learning_rate.h at their key points, against the formulas
// written out here: peak = base_lr * batch / 256, linear warm-up to the peak, then
// constant or min_lr + (peak - min_lr) * (1 + cos(pi * progress)) / 2.
#include "workers/trainer/learning_rate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "workers/trainer/learning_rate_schedule.h"

namespace dact::workers::trainer {
namespace {

TrainerConfig recipe_config(LrSchedule schedule) {
  TrainerConfig config;
  config.batch = 512;
  config.lr_schedule = schedule;
  config.base_lr = 1e-4;  // peak 2e-4
  config.warmup_kimg = 10;
  config.min_lr = 1e-5;
  config.decay_end_kimg = 110;
  return config;
}

TEST(RecipeLearningRate, CosineAtWarmupHalfWayAndEnd) {
  const TrainerConfig config = recipe_config(LrSchedule::kCosine);
  const double peak = 1e-4 * 512 / 256;
  EXPECT_DOUBLE_EQ(scaled_base_lr(1e-4, 512), peak);
  EXPECT_EQ(learning_rate_at(config, 0), 0.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(config, 5'000), peak / 2);  // half the warm-up
  EXPECT_DOUBLE_EQ(learning_rate_at(config, 10'000), peak);     // warm-up end = cosine start
  // A quarter and half-way through the cosine (10 to 110 kimg).
  EXPECT_DOUBLE_EQ(learning_rate_at(config, 35'000), 1e-5 + (peak - 1e-5) * 0.5 * (1 + std::cos(M_PI / 4)));
  EXPECT_NEAR(learning_rate_at(config, 60'000), (peak + 1e-5) / 2, 1e-18);
  EXPECT_NEAR(learning_rate_at(config, 110'000), 1e-5, 1e-18);  // end: min_lr
  EXPECT_EQ(learning_rate_at(config, 500'000), 1e-5);            // and after
}

TEST(RecipeLearningRate, ConstantAfterWarmupAndWithoutOne) {
  TrainerConfig config = recipe_config(LrSchedule::kConstant);
  EXPECT_DOUBLE_EQ(learning_rate_at(config, 2'500), 2e-4 / 4);
  EXPECT_DOUBLE_EQ(learning_rate_at(config, 10'000), 2e-4);
  EXPECT_DOUBLE_EQ(learning_rate_at(config, 10'000'000), 2e-4);
  config.warmup_kimg = 0;
  EXPECT_DOUBLE_EQ(learning_rate_at(config, 0), 2e-4);
}

TEST(RecipeLearningRate, Edm2IsEdm2sScheduleUnchanged) {
  TrainerConfig config;  // the defaults: EDM2's schedule and settings
  EXPECT_EQ(config.lr_schedule, LrSchedule::kEdm2);
  for (const int64_t nimg : {int64_t{0}, int64_t{1'000'000}, int64_t{500'000'000}}) {
    EXPECT_EQ(learning_rate_at(config, nimg),
              learning_rate_schedule(nimg, config.batch, config.ref_lr, config.ref_batches, config.rampup_Mimg));
  }
}

TEST(RecipeLearningRate, SchedulesByName) {
  EXPECT_EQ(lr_schedule_named("edm2"), LrSchedule::kEdm2);
  EXPECT_EQ(lr_schedule_named("constant"), LrSchedule::kConstant);
  EXPECT_EQ(lr_schedule_named("cosine"), LrSchedule::kCosine);
  EXPECT_EQ(lr_schedule_named("linear"), std::nullopt);
}

}  // namespace
}  // namespace dact::workers::trainer
