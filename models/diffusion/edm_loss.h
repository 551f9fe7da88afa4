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

// A per-sample loss [N] with the noise level sigma [N] each sample was drawn at.
struct PerSampleSigmaLoss {
  torch::Tensor loss;
  torch::Tensor sigma;
};

// sigma = exp(P_mean + P_std n), n ~ N(0, 1); shape [batch, 1, 1, 1] (EDM Table 1).
torch::Tensor sample_sigma(int64_t batch, const LogNormalSigma& distribution,
                           std::optional<at::Generator> generator = std::nullopt);

// The training noise levels of EDM's VPLoss and VELoss (training/loss.py) from u ~ U[0, 1):
// VP: sigma(t) at t = 1 + u (epsilon_t - 1), i.e. t uniform in (epsilon_t, 1], with
// sigma(t) = sqrt(exp(beta_d t^2 / 2 + beta_min t) - 1) (EDM Table 1, VP);
// VE: sigma = sigma_min (sigma_max / sigma_min)^u, i.e. ln(sigma) uniform.
// Both weight the squared error by lambda(sigma) = 1 / sigma^2.
torch::Tensor vp_training_sigma(const torch::Tensor& u, double beta_d, double beta_min, double epsilon_t);
torch::Tensor ve_training_sigma(const torch::Tensor& u, double sigma_min, double sigma_max);

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
