// EDM preconditioning against its defining properties (Karras et al. 2022, Appendix B.6):
// unit-variance network input and training target, c_skip minimizing c_out, limits.
#include <gtest/gtest.h>

#include <cmath>

#include "models/diffusion/edm_preconditioning.h"

namespace dact::models {
namespace {

constexpr double kSigmaData = 0.5;

torch::Tensor sigmas() {
  return torch::tensor({0.002, 0.05, 0.5, 2.0, 80.0}, torch::kFloat64);
}

TEST(EdmPreconditioning, InputHasUnitVariance) {
  // x = y + n with y ~ N(0, sigma_data^2), n ~ N(0, sigma^2): Var(c_in x) = 1 (EDM Eq. 114).
  const torch::Tensor sigma = sigmas();
  const torch::Tensor expected = torch::ones_like(sigma);
  EXPECT_TRUE(torch::allclose(c_in(sigma, kSigmaData).square() * (kSigmaData * kSigmaData + sigma.square()),
                              expected, 0, 1e-12));
  // And empirically, on samples.
  torch::manual_seed(0);
  const double sigma_value = 2.0;
  const torch::Tensor x = torch::randn({200000}, torch::kFloat64) *
                          std::sqrt(kSigmaData * kSigmaData + sigma_value * sigma_value);
  const double c = c_in(torch::tensor(sigma_value, torch::kFloat64), kSigmaData).item<double>();
  EXPECT_NEAR((c * x).var().item<double>(), 1.0, 0.01);
}

TEST(EdmPreconditioning, TargetHasUnitVarianceAndMinimalScale) {
  // F's target (y - c_skip x) / c_out has variance
  // (c_out^-2)((1 - c_skip)^2 sigma_data^2 + c_skip^2 sigma^2) = 1 (EDM Eq. 138, 143).
  const torch::Tensor sigma = sigmas();
  const torch::Tensor skip = c_skip(sigma, kSigmaData);
  const torch::Tensor out = c_out(sigma, kSigmaData);
  const double sd2 = kSigmaData * kSigmaData;
  const torch::Tensor target_variance =
      ((1 - skip).square() * sd2 + skip.square() * sigma.square()) / out.square();
  EXPECT_TRUE(torch::allclose(target_variance, torch::ones_like(sigma), 0, 1e-12));
  // c_skip minimizes the target's unscaled variance e(c) = (1 - c)^2 sd^2 + c^2 sigma^2,
  // and c_out^2 is that minimum (EDM Eq. 131-138).
  const auto e = [&](const torch::Tensor& c) { return (1 - c).square() * sd2 + c.square() * sigma.square(); };
  EXPECT_TRUE(torch::allclose(e(skip), out.square(), 1e-12, 0));
  EXPECT_TRUE((e(skip + 1e-3) > e(skip)).all().item<bool>());
  EXPECT_TRUE((e(skip - 1e-3) > e(skip)).all().item<bool>());
}

TEST(EdmPreconditioning, LimitsAndNoiseConditioning) {
  const torch::Tensor sigma = torch::tensor({1e-8, 1e8}, torch::kFloat64);
  EXPECT_NEAR(c_skip(sigma, kSigmaData)[0].item<double>(), 1.0, 1e-12);  // D(x; 0) = x
  EXPECT_NEAR(c_skip(sigma, kSigmaData)[1].item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(c_out(sigma, kSigmaData)[1].item<double>(), kSigmaData, 1e-12);  // D -> sigma_data F
  EXPECT_DOUBLE_EQ(c_noise(torch::tensor(std::exp(2.0), torch::kFloat64)).item<double>(), 0.5);
}

}  // namespace
}  // namespace dact::models
