// KID against metrics_reference.h5 (stored subset indices) and against math.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "models/metrics/kernel_inception_distance.h"
#include "tests/models/metrics_reference.h"

namespace dact::models::metrics {
namespace {

TEST(MetricsKernelInceptionDistance, SubsetsMatchReference) {
  const torch::Tensor A = dact::testing::metrics_reference_tensor("A");
  const torch::Tensor B = dact::testing::metrics_reference_tensor("B");
  const torch::Tensor index_A = dact::testing::metrics_reference_tensor("kid/subset_index_A");
  const torch::Tensor index_B = dact::testing::metrics_reference_tensor("kid/subset_index_B");
  const auto expected = dact::testing::metrics_reference_expected();
  const auto per_subset = expected.at("kid_subset_mmd2").get<std::vector<double>>();
  const KernelInceptionDistance kid = kernel_inception_distance(A, B, index_A, index_B);
  ASSERT_EQ(kid.subset_mmd2.numel(), static_cast<int64_t>(per_subset.size()));
  for (size_t s = 0; s < per_subset.size(); ++s) {
    const double mmd2 = kid.subset_mmd2[static_cast<int64_t>(s)].item<double>();
    EXPECT_NEAR(mmd2, per_subset[s], 1e-9 * std::abs(per_subset[s])) << "subset " << s;
  }
  const double kid_mean = expected.at("kid_mean"), kid_std = expected.at("kid_std");
  EXPECT_NEAR(kid.mean, kid_mean, 1e-9 * kid_mean);
  EXPECT_NEAR(kid.std, kid_std, 1e-9 * kid_std);
}

TEST(MetricsKernelInceptionDistance, FullSetMatchesReference) {
  const torch::Tensor A = dact::testing::metrics_reference_tensor("A");
  const torch::Tensor B = dact::testing::metrics_reference_tensor("B");
  const double expected = dact::testing::metrics_reference_expected().at("mmd2_unbiased_full");
  EXPECT_NEAR(mmd2_unbiased(A, B), expected, 1e-9 * expected);
}

TEST(MetricsKernelInceptionDistance, HandComputedSmallSets) {
  // d = 1: k(x, y) = (x y + 1)^3. x = {0, 1}, y = {0, 2}:
  // k(0,1) = 1, k(0,2) = 1, k(0,0) = 1, k(1,2) = 27.
  // MMD^2 = k(0,1) + k(0,2) - (2/4)(k(0,0) + k(0,2) + k(1,0) + k(1,2)) = 2 - 15 = -13.
  const torch::Tensor x = torch::tensor({{0.0}, {1.0}}, torch::kFloat64);
  const torch::Tensor y = torch::tensor({{0.0}, {2.0}}, torch::kFloat64);
  EXPECT_NEAR(mmd2_unbiased(x, y), -13.0, 1e-12);
}

TEST(MetricsKernelInceptionDistance, FullSubsetsUseEveryRowInOrder) {
  const torch::Tensor indices = kid_subset_indices(5, 1, 5, 123);
  EXPECT_TRUE(torch::equal(indices, torch::arange(5, torch::kInt64).unsqueeze(0)));
}

TEST(MetricsKernelInceptionDistance, SampledSubsetsAreDistinctRowsAndReproducible) {
  const torch::Tensor a = kid_subset_indices(100, 4, 30, 7);
  EXPECT_TRUE(torch::equal(a, kid_subset_indices(100, 4, 30, 7)));
  for (int64_t s = 0; s < 4; ++s) {
    EXPECT_EQ(std::get<0>(torch::_unique(a[s])).numel(), 30);
    EXPECT_LT(a[s].max().item<int64_t>(), 100);
  }
  EXPECT_THROW(kid_subset_indices(10, 1, 11, 0), std::invalid_argument);
}

TEST(MetricsKernelInceptionDistance, MismatchedDimensionsAreRejected) {
  EXPECT_THROW(mmd2_unbiased(torch::zeros({4, 3}), torch::zeros({4, 2})), std::invalid_argument);
}

}  // namespace
}  // namespace dact::models::metrics
