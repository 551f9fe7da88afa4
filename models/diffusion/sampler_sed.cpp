#include "models/diffusion/sampler_sed.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace dact::models {

SedCoefficients sed_coefficients(const RhoSchedule& schedule, double S, double sigma) {
  // beta sigma = S sigma / |sigma'(u)|, proportional to sigma^(1/rho).
  const double beta_sigma = S * sigma / std::abs(schedule.dsigma_du_at_sigma(sigma));
  const double g = std::sqrt(2 * beta_sigma * sigma);  // g^2 proportional to sigma^(1 + 1/rho)
  return {1 + beta_sigma, beta_sigma / (schedule.rho * sigma), g, g * (1 + 1 / schedule.rho) / (2 * sigma)};
}

torch::Tensor sed_sample(const Denoiser& denoiser, const DenoiserJvp& denoiser_jvp, const torch::Tensor& noise,
                         const SedSamplerOptions& o, const BrownianSource& brownian) {
  if (o.num_steps < 2) {
    throw std::invalid_argument("the sed sampler needs at least 2 steps, got " + std::to_string(o.num_steps));
  }
  const auto levels = o.steps();
  const auto sigma = levels.accessor<double, 1>();
  auto x = noise * sigma[0];
  torch::Tensor f_previous;  // f at the previous step's evaluation point
  for (int64_t i = 0; i < o.num_steps - 1; ++i) {
    const double sigma_i = sigma[i], h = sigma_i - sigma[i + 1];
    const double S = o.adds_noise_at(sigma_i) ? o.S_churn : 0.0;
    // S_noise inflates what is added, not the drift.
    const SedCoefficients at_i = sed_coefficients(o, S, sigma_i);
    // 1. The step's noise, raising the noise level to sigma^.
    torch::Tensor x_hat = x, g_dZ_minus_dW_h, dg_dW_h_minus_dZ;
    double sigma_hat = sigma_i;
    if (S > 0) {
      const auto [dW, dZ] = brownian(x, h);
      x_hat = x + o.S_noise * at_i.g * dW;
      sigma_hat = std::sqrt(sigma_i * sigma_i + at_i.g * at_i.g * h);
      g_dZ_minus_dW_h = o.S_noise * at_i.g * (dZ - dW * h);
      dg_dW_h_minus_dZ = -o.S_noise * at_i.dg_dsigma * (dW * h - dZ);  // dg/dtau = -dg/dsigma
    }
    const SedCoefficients at_hat = sed_coefficients(o, S, sigma_hat);
    const double c = -at_hat.k, dc_dtau = at_hat.dk_dsigma;  // a = c f
    const auto f_at = [&](const torch::Tensor& D) { return (x_hat - D) / sigma_hat; };
    if (!o.ito_taylor_correction) {
      // 2. alone: Euler-Maruyama from the noised state.
      x = x_hat + c * h * f_at(denoiser(x_hat, sigma_hat));
      continue;
    }
    // 2 and 3: one JVP of D along (v_x, v_sigma = -v_tau).
    if (!f_previous.defined()) f_previous = f_at(denoiser(x_hat, sigma_hat));
    const double v_tau = 0.5 * h * h + (sigma_hat - sigma_i) * h, v_sigma = -v_tau;
    auto v_x = (0.5 * h * h * c) * f_previous;
    if (S > 0) v_x = v_x + g_dZ_minus_dW_h;
    const auto [D, dD] = denoiser_jvp(x_hat, sigma_hat, v_x, v_sigma);
    const auto f = f_at(D);
    // J_f v_x + (df/dsigma) v_sigma for f = (x - D) / sigma.
    const auto df = (v_x - dD - f * v_sigma) / sigma_hat;
    // a h + J_a v_x + (da/dtau) v_tau, with a = c f.
    x = x_hat + (c * h + dc_dtau * v_tau) * f + c * df;
    if (S > 0) x = x + dg_dW_h_minus_dZ;
    f_previous = f;
  }
  // EDM's last (Euler) step from sigma_min to 0: x + (0 - sigma_min) f = D.
  return denoiser(x, sigma[o.num_steps - 1]);
}

}  // namespace dact::models
