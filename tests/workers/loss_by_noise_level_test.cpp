// The loss by noise level of stats.jsonl: bucket edges, moments that add up to the
// overall loss, and the training_stats mean and std of each bucket.
#include <gtest/gtest.h>

#include <cmath>

#include "workers/trainer/loss_by_noise_level.h"

namespace dact::workers::trainer {
namespace {

TEST(LossByNoiseLevel, EdgesBelongToTheBucketAbove) {
  const NoiseLevelBuckets& t = noise_level_buckets("t");
  ASSERT_EQ(t.count(), 10);
  // 0 and 0.0999 in the first bucket; 0.1 opens the second; 0.9 and 1 in the last.
  const torch::Tensor levels = torch::tensor({0.0, 0.0999, 0.1, 0.55, 0.9, 1.0}, torch::kFloat64);
  const torch::Tensor moments = bucket_moments(t, levels, torch::ones({6}));
  const torch::Tensor expected_counts =
      torch::tensor({2.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 2.0}, torch::kFloat64);
  EXPECT_TRUE(torch::equal(moments[0], expected_counts)) << moments[0];

  const NoiseLevelBuckets& sigma = noise_level_buckets("sigma");
  // float32 levels, as the families draw them: the edge 0.02 is compared as 0.02f.
  const torch::Tensor extremes = bucket_moments(sigma, torch::tensor({0.002f, 0.02f, 80.0f}), torch::ones({3}));
  EXPECT_EQ(extremes[0][0].item<double>(), 1);                    // below the first edge
  EXPECT_EQ(extremes[0][1].item<double>(), 1);                    // the first edge itself
  EXPECT_EQ(extremes[0][sigma.count() - 1].item<double>(), 1);  // beyond the last
  EXPECT_THROW(noise_level_buckets("lambda"), std::invalid_argument);
}

TEST(LossByNoiseLevel, CountWeightedBucketMeansAreTheOverallMean) {
  const NoiseLevelBuckets& sigma = noise_level_buckets("sigma");
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(4);
  const torch::Tensor levels = torch::exp(-0.4 + torch::randn({1000}, generator, torch::kFloat64));
  const torch::Tensor losses = torch::rand({1000}, generator, torch::kFloat64) * levels;
  // Two "trainers" of 600 and 400 rows, their moments summed as the all-reduce sums them.
  const torch::Tensor moments = bucket_moments(sigma, levels.slice(0, 0, 600), losses.slice(0, 0, 600)) +
                                bucket_moments(sigma, levels.slice(0, 600), losses.slice(0, 600));
  const nlohmann::json report = loss_by_noise_level(sigma, moments);
  EXPECT_EQ(report.at("of"), "sigma");
  double weighted = 0;
  int64_t total = 0;
  for (int64_t b = 0; b < sigma.count(); ++b) {
    const int64_t n = report.at("count")[b].get<int64_t>();
    total += n;
    if (n == 0) {
      EXPECT_TRUE(report.at("mean")[b].is_null());
      continue;
    }
    weighted += n * report.at("mean")[b].get<double>();
    // Each bucket's mean and population std, from its own rows.
    const double lo = b == 0 ? 0 : sigma.edges[b - 1], hi = b + 1 == sigma.count() ? INFINITY : sigma.edges[b];
    const torch::Tensor rows = losses.index({(levels >= lo).logical_and(levels < hi)});
    EXPECT_EQ(rows.size(0), n);
    EXPECT_NEAR(report.at("mean")[b].get<double>(), rows.mean().item<double>(), 1e-12);
    EXPECT_NEAR(report.at("std")[b].get<double>(), rows.std(/*unbiased=*/false).item<double>(), 1e-9);
  }
  EXPECT_EQ(total, 1000);
  EXPECT_NEAR(weighted / total, losses.mean().item<double>(), 1e-12);
}

}  // namespace
}  // namespace dact::workers::trainer
