#pragma once
// Training losses of EDM (Karras et al. 2022, "Elucidating the Design Space of
// Diffusion-Based Generative Models") and EDM2 (Karras et al. 2024, "Analyzing and
// Improving the Training Dynamics of Diffusion Models"). Losses are elementwise;
// callers reduce (EDM2 sums over elements and divides by the batch size).
#include <torch/torch.h>

#include <optional>

namespace dact::models {

// ln(sigma) ~ N(P_mean, P_std^2) (EDM Table 1, "Training").
struct LogNormalSigma {
  double P_mean;
  double P_std;
};
constexpr LogNormalSigma kEdmSigma{-1.2, 1.2};   // EDM Table 1
constexpr LogNormalSigma kEdm2Sigma{-0.4, 1.0};  // EDM2 training_loop.py EDM2Loss defaults

// sigma = exp(P_mean + P_std n), n ~ N(0, 1); shape [batch, 1, 1, 1] (EDM Table 1).
torch::Tensor sample_sigma(int64_t batch, const LogNormalSigma& distribution,
                           std::optional<at::Generator> generator = std::nullopt);

// lambda(sigma) = (sigma^2 + sigma_data^2) / (sigma sigma_data)^2 (EDM Table 1).
torch::Tensor edm_loss_weight(const torch::Tensor& sigma, double sigma_data);

// lambda(sigma) (D - y)^2, D the denoiser output for clean data y (EDM Eq. 2 / 8).
torch::Tensor edm_loss(const torch::Tensor& D, const torch::Tensor& y, const torch::Tensor& sigma,
                       double sigma_data);

// (lambda(sigma) / exp(u(sigma))) (D - y)^2 + u(sigma), u = logvar the learned
// uncertainty (EDM2 Eq. 21; training_loop.py EDM2Loss).
torch::Tensor edm2_loss(const torch::Tensor& D, const torch::Tensor& y, const torch::Tensor& sigma,
                        const torch::Tensor& logvar, double sigma_data);

}  // namespace dact::models
