#include "models/diffusion/edm_preconditioning.h"

namespace dact::models {

torch::Tensor c_skip(const torch::Tensor& sigma, double sigma_data) {
  return sigma_data * sigma_data / (sigma * sigma + sigma_data * sigma_data);
}

torch::Tensor c_out(const torch::Tensor& sigma, double sigma_data) {
  return sigma * sigma_data / (sigma * sigma + sigma_data * sigma_data).sqrt();
}

torch::Tensor c_in(const torch::Tensor& sigma, double sigma_data) {
  return 1 / (sigma_data * sigma_data + sigma * sigma).sqrt();
}

torch::Tensor c_noise(const torch::Tensor& sigma) { return sigma.log() / 4; }

}  // namespace dact::models
