// EDM2 power-function profile math against NVlabs/edm2 phema.py (edm2_math.json).
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "tests/workers/edm2_math_reference.h"
#include "workers/ema/phema.h"

namespace dact::workers::ema {
namespace {

using dact::testing::edm2_math;
using dact::testing::expect_relative;

TEST(Phema, StdToExpMatchesReference) {
  const auto reference = edm2_math().at("std_to_exp");
  ASSERT_EQ(reference.size(), 5u);
  for (const auto& [std_text, exp] : reference.items()) {
    SCOPED_TRACE("std " + std_text);
    expect_relative(std_to_exp(std::stod(std_text)), exp.get<double>(), 1e-9);
  }
}

TEST(Phema, StdToExpInvertsEquation123) {
  // Equation 123: std = sqrt((g + 1) / ((g + 2)^2 (g + 3))).
  for (double g : {0.5, 3.0, 6.94, 16.97, 100.0}) {
    const double std = std::sqrt((g + 1) / ((g + 2) * (g + 2) * (g + 3)));
    expect_relative(std_to_exp(std), g, 1e-12);
  }
}

TEST(Phema, StdWithoutProfileIsRejected) {
  EXPECT_THROW(std_to_exp(0.0), std::invalid_argument);
  EXPECT_THROW(std_to_exp(-0.1), std::invalid_argument);
  EXPECT_THROW(std_to_exp(0.31), std::invalid_argument);
}

TEST(Phema, PowerFunctionBetaMatchesReference) {
  const auto reference = edm2_math().at("power_function_beta");
  ASSERT_EQ(reference.size(), 8u);
  for (const auto& entry : reference) {
    SCOPED_TRACE(entry.dump());
    const double beta = power_function_beta(entry.at("std"), entry.at("t_next"),
                                            entry.at("t_delta"));
    const double expected = entry.at("beta");
    if (expected == 0) {
      EXPECT_EQ(beta, 0.0);
    } else {
      expect_relative(beta, expected, 1e-9);
    }
  }
}

TEST(Phema, PowerFunctionCorrelationMatchesReference) {
  const auto reference = edm2_math().at("power_function_correlation");
  ASSERT_EQ(reference.size(), 4u);
  for (const auto& entry : reference) {
    SCOPED_TRACE(entry.dump());
    expect_relative(power_function_correlation(entry.at("a_ofs"), entry.at("a_std"),
                                               entry.at("b_ofs"), entry.at("b_std")),
                    entry.at("value"), 1e-9);
  }
}

TEST(Phema, CorrelationIsSymmetricAndEqualsProfileNorm) {
  const double a = power_function_correlation(1e6, 0.05, 3e6, 0.1);
  const double b = power_function_correlation(3e6, 0.1, 1e6, 0.05);
  expect_relative(a, b, 1e-12);
  // Profile p(t) = (g+1) t^g / T^(g+1) on [0, T]: <p, p> = (g+1)^2 / ((2g+1) T).
  const double g = std_to_exp(0.1);
  expect_relative(power_function_correlation(5e5, 0.1, 5e5, 0.1),
                  (g + 1) * (g + 1) / ((2 * g + 1) * 5e5), 1e-12);
}

}  // namespace
}  // namespace dact::workers::ema
