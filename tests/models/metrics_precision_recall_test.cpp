// Precision/recall against metrics_reference.h5 (exact) and against math.
#include <gtest/gtest.h>

#include <stdexcept>

#include "models/metrics/precision_recall.h"
#include "tests/models/metrics_reference.h"

namespace dact::models::metrics {
namespace {

TEST(MetricsPrecisionRecall, MatchesReferenceExactly) {
  const torch::Tensor A = dact::testing::metrics_reference_tensor("A");
  const torch::Tensor B = dact::testing::metrics_reference_tensor("B");
  const auto expected = dact::testing::metrics_reference_expected();
  const PrecisionRecall pr = precision_recall(/*generated=*/A, /*real=*/B, 3);
  EXPECT_EQ(pr.precision, expected.at("precision_gen_A_real_B").get<double>());
  EXPECT_EQ(pr.recall, expected.at("recall_gen_A_real_B").get<double>());
}

TEST(MetricsPrecisionRecall, RadiiExcludeSelf) {
  // Points 0, 1, 3, 7 on a line: 1st-NN distances 1, 1, 2, 4; 2nd-NN 3, 2, 3, 6.
  const torch::Tensor x = torch::tensor({{0.0}, {1.0}, {3.0}, {7.0}}, torch::kFloat64);
  EXPECT_TRUE(torch::equal(k_nearest_radii(x, 1), torch::tensor({1.0, 1.0, 2.0, 4.0}, torch::kFloat64)));
  EXPECT_TRUE(torch::equal(k_nearest_radii(x, 2), torch::tensor({3.0, 2.0, 3.0, 6.0}, torch::kFloat64)));
  EXPECT_THROW(k_nearest_radii(x, 4), std::invalid_argument);
}

TEST(MetricsPrecisionRecall, BoundaryCountsAsCovered) {
  // Support {0, 1}, radius 1 each: 2 is at distance exactly 1 from 1 (covered), 2.5 is not.
  const torch::Tensor support = torch::tensor({{0.0}, {1.0}}, torch::kFloat64);
  const torch::Tensor radii = torch::tensor({1.0, 1.0}, torch::kFloat64);
  const torch::Tensor samples = torch::tensor({{2.0}, {2.5}, {-0.5}, {-1.5}}, torch::kFloat64);
  EXPECT_EQ(fraction_covered(samples, support, radii), 0.5);
}

TEST(MetricsPrecisionRecall, IdenticalSetsArePerfect) {
  const torch::Tensor A = dact::testing::metrics_reference_tensor("A").slice(0, 0, 300);
  const PrecisionRecall pr = precision_recall(A, A, 3);
  EXPECT_EQ(pr.precision, 1.0);
  EXPECT_EQ(pr.recall, 1.0);
}

TEST(MetricsPrecisionRecall, MismatchedDimensionsAreRejected) {
  EXPECT_THROW(precision_recall(torch::zeros({10, 3}), torch::zeros({10, 4}), 3),
               std::invalid_argument);
}

}  // namespace
}  // namespace dact::models::metrics
