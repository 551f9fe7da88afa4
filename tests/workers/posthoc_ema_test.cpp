// Post-hoc EMA coefficients against NVlabs/edm2 solve_posthoc_coefficients.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "tests/workers/edm2_math_reference.h"
#include "workers/ema/posthoc_coefficients.h"

namespace dact::workers::ema {
namespace {

TEST(PosthocEma, CoefficientsMatchReference) {
  const auto reference = dact::testing::edm2_math().at("solve_posthoc_coefficients");
  ASSERT_FALSE(reference.empty());
  for (const auto& entry : reference) {
    const auto expected = entry.at("coefficients").get<std::vector<std::vector<double>>>();
    const torch::Tensor X = solve_posthoc_coefficients(
        entry.at("in_nimg").get<std::vector<double>>(),
        entry.at("in_std").get<std::vector<double>>(), entry.at("out_nimg").get<double>(),
        entry.at("out_std").get<std::vector<double>>());
    ASSERT_EQ(X.scalar_type(), torch::kFloat64);
    ASSERT_EQ(X.size(0), static_cast<int64_t>(expected.size()));
    ASSERT_EQ(X.size(1), static_cast<int64_t>(expected[0].size()));
    auto x = X.accessor<double, 2>();
    for (size_t i = 0; i < expected.size(); ++i) {
      for (size_t k = 0; k < expected[i].size(); ++k) {
        // 1e-9 relative; entries that are pure rounding noise of an exact 0
        // (|value| ~1e-16 in a column summing to 1) get an absolute floor of 1e-14.
        EXPECT_NEAR(x[i][k], expected[i][k], 1e-9 * std::abs(expected[i][k]) + 1e-14)
            << "snapshot " << i << ", output " << k;
      }
    }
  }
}

TEST(PosthocEma, StoredProfileIsReconstructedExactly) {
  // Asking for a profile that was stored picks that snapshot alone.
  const torch::Tensor X =
      solve_posthoc_coefficients({1e6, 1e6, 2e6, 2e6}, {0.05, 0.1, 0.05, 0.1}, 2e6, {0.05});
  const torch::Tensor expected = torch::tensor({0.0, 0.0, 1.0, 0.0}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(X.squeeze(1), expected, 0, 1e-12)) << X;
}

TEST(PosthocEma, ColumnsSumToOne) {
  const torch::Tensor X = solve_posthoc_coefficients({1e6, 1e6, 2e6, 2e6, 3e6, 3e6},
                                                     {0.05, 0.1, 0.05, 0.1, 0.05, 0.1}, 2.5e6,
                                                     {0.06, 0.08, 0.12});
  EXPECT_TRUE(torch::allclose(X.sum(0), torch::ones({3}, torch::kFloat64), 0, 1e-12));
}

TEST(PosthocEma, InvalidInputsAreRejected) {
  EXPECT_THROW(solve_posthoc_coefficients({1e6, 2e6}, {0.05}, 2e6, {0.1}),
               std::invalid_argument);
  EXPECT_THROW(solve_posthoc_coefficients({1e6}, {0.05}, 2e6, {}), std::invalid_argument);
  EXPECT_THROW(solve_posthoc_coefficients({1e6, 1e6}, {0.05, 0.05}, 2e6, {0.1}),
               std::invalid_argument);
  EXPECT_THROW(solve_posthoc_coefficients({1e6}, {0.5}, 2e6, {0.1}), std::invalid_argument);
}

}  // namespace
}  // namespace dact::workers::ema
