// Frechet distance and mergeable feature statistics against metrics_reference.h5
// (scipy.linalg.sqrtm as in pytorch-fid / EDM) and against math.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "models/metrics/feature_statistics.h"
#include "models/metrics/frechet_distance.h"
#include "tests/models/metrics_reference.h"

namespace dact::models::metrics {
namespace {

FeatureStatistics statistics_of(const torch::Tensor& features) {
  FeatureStatistics stats(features.size(1));
  stats.add(features);
  return stats;
}

double frechet_distance_of(const FeatureStatistics& a, const FeatureStatistics& b) {
  return frechet_distance(a.mean(), a.covariance(), b.mean(), b.covariance());
}

TEST(MetricsFrechetDistance, MatchesReference) {
  const torch::Tensor A = dact::testing::metrics_reference_tensor("A");
  const torch::Tensor B = dact::testing::metrics_reference_tensor("B");
  const double expected = dact::testing::metrics_reference_expected().at("fd");
  const double fd = frechet_distance_of(statistics_of(A), statistics_of(B));
  EXPECT_NEAR(fd, expected, 1e-9 * expected);
}

TEST(MetricsFrechetDistance, IdenticalSetsGiveZero) {
  const torch::Tensor A = dact::testing::metrics_reference_tensor("A");
  const FeatureStatistics stats = statistics_of(A);
  const double trace_scale = 2 * stats.covariance().trace().item<double>();
  EXPECT_NEAR(frechet_distance_of(stats, stats), 0.0, 1e-9 * trace_scale);
}

TEST(MetricsFrechetDistance, GaussiansWithCommutingCovariances) {
  // Diagonal covariances: FD = ||mu1 - mu2||^2 + sum (sqrt(s1) - sqrt(s2))^2.
  const torch::Tensor mu1 = torch::tensor({0.0, 1.0, 2.0}, torch::kFloat64);
  const torch::Tensor mu2 = torch::tensor({1.0, 1.0, 0.0}, torch::kFloat64);
  const torch::Tensor s1 = torch::tensor({1.0, 4.0, 9.0}, torch::kFloat64);
  const torch::Tensor s2 = torch::tensor({4.0, 4.0, 1.0}, torch::kFloat64);
  const double expected = (1 + 0 + 4) + (1 + 0 + 4);
  EXPECT_NEAR(frechet_distance(mu1, torch::diag(s1), mu2, torch::diag(s2)), expected, 1e-12);
}

TEST(MetricsFrechetDistance, SingularCovarianceIsFine) {
  // Rank-1 covariances of 3-d features: sqrt(S1 S2) has a zero eigenvalue twice.
  const torch::Tensor u = torch::tensor({1.0, 2.0, 2.0}, torch::kFloat64) / 3;
  const torch::Tensor S = torch::outer(u, u);
  const torch::Tensor mu = torch::zeros({3}, torch::kFloat64);
  // N(0, a u u^T) vs N(0, b u u^T): FD = (sqrt(a) - sqrt(b))^2.
  EXPECT_NEAR(frechet_distance(mu, 4 * S, mu, 9 * S), 1.0, 1e-12);
  EXPECT_NEAR(frechet_distance(mu, S, mu, S), 0.0, 1e-12);
}

TEST(MetricsFrechetDistance, MismatchedShapesAreRejected) {
  const torch::Tensor mu = torch::zeros({3}, torch::kFloat64);
  EXPECT_THROW(frechet_distance(mu, torch::eye(3), torch::zeros({4}), torch::eye(4)),
               std::invalid_argument);
}

TEST(MetricsFeatureStatistics, MergedPartsEqualTheWhole) {
  const torch::Tensor A = dact::testing::metrics_reference_tensor("A");
  const FeatureStatistics whole = statistics_of(A);
  FeatureStatistics merged(A.size(1));
  for (const auto& [start, end] : {std::pair{0, 700}, std::pair{700, 1301}, std::pair{1301, 2000}}) {
    merged.merge(statistics_of(A.slice(0, start, end)));
  }
  EXPECT_EQ(merged.count, whole.count);
  EXPECT_TRUE(torch::allclose(merged.mean(), whole.mean(), 0, 1e-14));
  EXPECT_TRUE(torch::allclose(merged.covariance(), whole.covariance(), 0, 1e-13));
}

TEST(MetricsFeatureStatistics, MomentsMatchDefinitions) {
  const torch::Tensor x = torch::tensor({{1.0, 2.0}, {3.0, 0.0}, {5.0, 4.0}}, torch::kFloat64);
  const FeatureStatistics stats = statistics_of(x);
  EXPECT_TRUE(torch::allclose(stats.mean(), torch::tensor({3.0, 2.0}, torch::kFloat64)));
  // Centered rows (-2, 0), (0, -2), (2, 2); sum of outer products / (N - 1).
  const torch::Tensor expected = torch::tensor({{4.0, 2.0}, {2.0, 4.0}}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(stats.covariance(), expected, 0, 1e-14));
}

TEST(MetricsFeatureStatistics, WrongShapeIsRejected) {
  FeatureStatistics stats(4);
  EXPECT_THROW(stats.add(torch::zeros({2, 3})), std::invalid_argument);
  EXPECT_THROW(stats.merge(FeatureStatistics(3)), std::invalid_argument);
  EXPECT_THROW(stats.covariance(), std::logic_error);
}

}  // namespace
}  // namespace dact::models::metrics
