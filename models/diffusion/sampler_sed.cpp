#include "models/diffusion/sampler_sed.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace dact::models {

torch::Tensor sed_sample(const Denoiser& denoiser, const DenoiserJvp& denoiser_jvp, const torch::Tensor& noise,
                         const SedSamplerOptions& o, const BrownianSource& brownian) {
  if (o.num_steps < 2) {
    throw std::invalid_argument("the sed sampler needs at least 2 steps, got " + std::to_string(o.num_steps));
  }
  const double du = o.step_du();
  auto x = noise * o.sigma_max;
  torch::Tensor f_previous;  // f at the previous step's evaluation point
  for (int64_t i = 0; i < o.num_steps - 1; ++i) {
    const double u_i = static_cast<double>(i) * du, sigma_i = o.sigma_at(u_i);
    const double S = o.adds_noise_at(sigma_i) ? o.S_churn : 0.0;
    // g = sqrt(2 S) sigma(u); S_noise inflates what is added, not the drift.
    const double g = std::sqrt(2 * S) * sigma_i, dg_du = std::sqrt(2 * S) * o.dsigma_du(u_i);
    // 1. The step's noise, raising the noise level to sigma^.
    torch::Tensor x_hat = x, g_dZ_minus_dW_du, dg_dW_du_minus_dZ;
    double sigma_hat = sigma_i, u_hat = u_i;
    if (S > 0) {
      const auto [dW, dZ] = brownian(x, du);
      x_hat = x + o.S_noise * g * dW;
      sigma_hat = sigma_i * std::sqrt(1 + 2 * S * du);
      u_hat = o.u_at(sigma_hat);
      g_dZ_minus_dW_du = o.S_noise * g * (dZ - dW * du);
      dg_dW_du_minus_dZ = o.S_noise * dg_du * (dW * du - dZ);
    }
    const double c = o.dsigma_du(u_hat) - S * sigma_hat;
    const auto f_at = [&](const torch::Tensor& D) { return (x_hat - D) / sigma_hat; };
    if (!o.ito_taylor_correction) {
      // 2. alone: Euler-Maruyama from the noised state.
      x = x_hat + c * du * f_at(denoiser(x_hat, sigma_hat));
      continue;
    }
    // 2 and 3: one JVP of D along (v_x, v_sigma = sigma'(u^) v_u).
    if (!f_previous.defined()) f_previous = f_at(denoiser(x_hat, sigma_hat));
    const double v_u = 0.5 * du * du + (u_i - u_hat) * du, v_sigma = o.dsigma_du(u_hat) * v_u;
    auto v_x = (0.5 * du * du * c) * f_previous;
    if (S > 0) v_x = v_x + g_dZ_minus_dW_du;
    const auto [D, dD] = denoiser_jvp(x_hat, sigma_hat, v_x, v_sigma);
    const auto f = f_at(D);
    // J_f v_x + (df/dsigma) v_sigma for f = (x - D) / sigma.
    const auto df = (v_x - dD - f * v_sigma) / sigma_hat;
    const double dc_du = o.d2sigma_du2(u_hat) - S * o.dsigma_du(u_hat);
    // a du + J_a v_x + (da/du) v_u, with a = c f.
    x = x_hat + (c * du + dc_du * v_u) * f + c * df;
    if (S > 0) x = x + dg_dW_du_minus_dZ;
    f_previous = f;
  }
  // EDM's last (Euler) step from sigma_min to 0: x + (0 - sigma_min) f = D.
  return denoiser(x, o.sigma_min);
}

}  // namespace dact::models
