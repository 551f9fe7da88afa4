#pragma once
// The preconditioning of EDM Table 1 (Karras et al. 2022, "Elucidating the Design Space
// of Diffusion-Based Generative Models"), D(x; sigma) = c_skip x + c_out F(c_in x;
// c_noise) (EDM Eq. 7), for the four columns NVlabs/edm training/networks.py
// implements, and each one's noise-level helpers. float32 throughout, as the reference.
#include <torch/torch.h>

#include "models/edm/edm_precond_config.h"

namespace dact::models::edm {

// Each [N, 1, 1, 1] for sigma [N, 1, 1, 1].
struct PrecondCoefficients {
  torch::Tensor c_skip, c_out, c_in, c_noise;
};

// VP: c_skip = 1, c_out = -sigma, c_in = 1 / sqrt(sigma^2 + 1),
// c_noise = (M - 1) sigma^-1(sigma).
PrecondCoefficients vp_coefficients(const VpPrecondArguments& vp, const torch::Tensor& sigma);
// sigma(t) = sqrt(exp(beta_d t^2 / 2 + beta_min t) - 1) (EDM Table 1, VP schedule).
torch::Tensor vp_sigma(const VpPrecondArguments& vp, const torch::Tensor& t);
// Its inverse t(sigma) = (sqrt(beta_min^2 + 2 beta_d ln(1 + sigma^2)) - beta_min) / beta_d.
torch::Tensor vp_sigma_inv(const VpPrecondArguments& vp, const torch::Tensor& sigma);

// VE: c_skip = 1, c_out = sigma, c_in = 1, c_noise = ln(sigma / 2).
PrecondCoefficients ve_coefficients(const torch::Tensor& sigma);

// iDDPM: c_skip = 1, c_out = -sigma, c_in = 1 / sqrt(sigma^2 + 1),
// c_noise = M - 1 - argmin_j |u_j - sigma|; the network's first img_channels outputs.
PrecondCoefficients iddpm_coefficients(const IddpmPrecondArguments& iddpm, const torch::Tensor& u,
                                       const torch::Tensor& sigma);
// alpha_bar(j) = sin^2(pi j / (2 M (C_2 + 1))) (iDDPM's cosine schedule).
torch::Tensor iddpm_alpha_bar(const IddpmPrecondArguments& iddpm, int64_t j);
// u_M = 0, u_{j-1} = sqrt((u_j^2 + 1) / max(alpha_bar(j-1) / alpha_bar(j), C_1) - 1):
// the M + 1 sigmas of the DDPM steps, largest first (the reference's buffer `u`).
torch::Tensor iddpm_u(const IddpmPrecondArguments& iddpm);
// argmin_j |u_j - sigma| (int64, sigma's shape), through torch::cdist as the reference,
// so ties and rounding pick the same j.
torch::Tensor iddpm_round_sigma_index(const torch::Tensor& u, const torch::Tensor& sigma);

// EDM: c_skip = sigma_data^2 / (sigma^2 + sigma_data^2), c_out = sigma sigma_data /
// sqrt(sigma^2 + sigma_data^2), c_in = 1 / sqrt(sigma^2 + sigma_data^2),
// c_noise = ln(sigma) / 4.
PrecondCoefficients edm_coefficients(const EdmPrecondArguments& edm, const torch::Tensor& sigma);

}  // namespace dact::models::edm
