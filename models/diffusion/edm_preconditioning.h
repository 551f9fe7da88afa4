#pragma once
// EDM preconditioning of a denoiser D(x; sigma) = c_skip x + c_out F(c_in x; c_noise)
// (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative
// Models", Table 1 / Eq. 7; the same in EDM2's Precond). Elementwise in sigma.
#include <torch/torch.h>

namespace dact::models {

// c_skip = sigma_data^2 / (sigma^2 + sigma_data^2)  (EDM Table 1).
torch::Tensor c_skip(const torch::Tensor& sigma, double sigma_data);
// c_out = sigma sigma_data / sqrt(sigma^2 + sigma_data^2)  (EDM Table 1).
torch::Tensor c_out(const torch::Tensor& sigma, double sigma_data);
// c_in = 1 / sqrt(sigma_data^2 + sigma^2)  (EDM Table 1).
torch::Tensor c_in(const torch::Tensor& sigma, double sigma_data);
// c_noise = ln(sigma) / 4  (EDM Table 1).
torch::Tensor c_noise(const torch::Tensor& sigma);

}  // namespace dact::models
