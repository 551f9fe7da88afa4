#include "models/diffusion/edm_loss.h"

namespace dact::models {

torch::Tensor sample_sigma(int64_t batch, const LogNormalSigma& distribution,
                           std::optional<at::Generator> generator) {
  const torch::Tensor n =
      generator ? torch::randn({batch, 1, 1, 1}, *generator) : torch::randn({batch, 1, 1, 1});
  return (n * distribution.P_std + distribution.P_mean).exp();
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
