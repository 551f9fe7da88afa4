// EDM and EDM2 losses against their defining math (Karras et al. 2022 Table 1 and
// Eq. 144; Karras et al. 2024 Eq. 21).
#include <gtest/gtest.h>

#include <cmath>

#include "models/diffusion/edm_loss.h"
#include "models/diffusion/edm_preconditioning.h"

namespace dact::models {
namespace {

constexpr double kLossSigmaData = 0.5;  // EDM's sigma_data (unique name: unity batches share a scope)

TEST(EdmLoss, WeightIsInverseSquaredOutputScale) {
  // lambda(sigma) = 1 / c_out(sigma)^2 gives F a unit-weight loss (EDM Eq. 144).
  const torch::Tensor sigma = torch::tensor({0.002, 0.1, 0.5, 3.0, 80.0}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(edm_loss_weight(sigma, kLossSigmaData) * c_out(sigma, kLossSigmaData).square(),
                              torch::ones_like(sigma), 1e-12, 0));
}

TEST(EdmLoss, EdmLossIsWeightedSquaredError) {
  const torch::Tensor sigma = torch::full({1, 1, 1, 1}, 1.0, torch::kFloat64);
  const torch::Tensor y = torch::zeros({1, 1, 2, 2}, torch::kFloat64);
  const torch::Tensor D = torch::full({1, 1, 2, 2}, 0.5, torch::kFloat64);
  // lambda(1) = (1 + 0.25) / 0.25 = 5; 5 * 0.5^2 = 1.25 per element.
  EXPECT_TRUE(torch::allclose(edm_loss(D, y, sigma, kLossSigmaData), torch::full_like(D, 1.25), 1e-15, 0));
  EXPECT_EQ(edm_loss(y, y, sigma, kLossSigmaData).abs().max().item<double>(), 0.0);
}

TEST(EdmLoss, Edm2LossIsMinimizedAtTheLogOfTheWeightedError) {
  // d/du [e exp(-u) + u] = 0 at u = ln e: the learned logvar tracks the loss level.
  const torch::Tensor sigma = torch::full({1, 1, 1, 1}, 1.0, torch::kFloat64);
  const torch::Tensor y = torch::zeros({1, 1, 1, 1}, torch::kFloat64);
  const torch::Tensor D = torch::full({1, 1, 1, 1}, 0.5, torch::kFloat64);
  const double e = 1.25;
  const torch::Tensor u = torch::full({1, 1, 1, 1}, std::log(e), torch::kFloat64).requires_grad_();
  const torch::Tensor loss = edm2_loss(D, y, sigma, u, kLossSigmaData).sum();
  loss.backward();
  EXPECT_NEAR(loss.item<double>(), 1 + std::log(e), 1e-12);
  EXPECT_NEAR(u.grad().item<double>(), 0.0, 1e-12);
  // With logvar 0 it reduces to the EDM loss.
  EXPECT_TRUE(torch::allclose(edm2_loss(D, y, sigma, torch::zeros_like(u), kLossSigmaData),
                              edm_loss(D, y, sigma, kLossSigmaData), 1e-15, 0));
}

TEST(EdmLoss, SigmaIsLogNormal) {
  auto generator = at::detail::createCPUGenerator(7);
  const torch::Tensor log_sigma = sample_sigma(100000, kEdm2Sigma, generator).log();
  EXPECT_EQ(log_sigma.sizes(), (std::vector<int64_t>{100000, 1, 1, 1}));
  // Standard errors: 1.0 / sqrt(1e5) = 0.003 for the mean, ~0.0022 for the std.
  EXPECT_NEAR(log_sigma.mean().item<double>(), kEdm2Sigma.P_mean, 0.015);
  EXPECT_NEAR(log_sigma.std().item<double>(), kEdm2Sigma.P_std, 0.015);
}

}  // namespace
}  // namespace dact::models
