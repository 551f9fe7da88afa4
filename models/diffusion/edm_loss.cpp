#include "models/diffusion/edm_loss.h"

namespace dact::models {

torch::Tensor sample_sigma(int64_t batch, const LogNormalSigma& distribution,
                           std::optional<at::Generator> generator) {
  const torch::Tensor n =
      generator ? torch::randn({batch, 1, 1, 1}, *generator) : torch::randn({batch, 1, 1, 1});
  return (n * distribution.P_std + distribution.P_mean).exp();
}

torch::Tensor vp_training_sigma(const torch::Tensor& u, double beta_d, double beta_min, double epsilon_t) {
  const torch::Tensor t = 1 + u * (epsilon_t - 1);
  return ((0.5 * beta_d * t.square() + beta_min * t).exp() - 1).sqrt();
}

torch::Tensor ve_training_sigma(const torch::Tensor& u, double sigma_min, double sigma_max) {
  return sigma_min * torch::pow(sigma_max / sigma_min, u);
}

torch::Tensor edm_loss_weight(const torch::Tensor& sigma, double sigma_data) {
  return (sigma.square() + sigma_data * sigma_data) / (sigma * sigma_data).square();
}

torch::Tensor edm_loss(const torch::Tensor& D, const torch::Tensor& y, const torch::Tensor& sigma,
                       double sigma_data) {
  return edm_loss_weight(sigma, sigma_data) * (D - y).square();
}

torch::Tensor edm2_loss(const torch::Tensor& D, const torch::Tensor& y, const torch::Tensor& sigma,
                        const torch::Tensor& logvar, double sigma_data) {
  return (edm_loss_weight(sigma, sigma_data) / logvar.exp()) * (D - y).square() + logvar;
}

}  // namespace dact::models
