#include "models/diffusion/sampler_edm.h"

#include <algorithm>
#include <cmath>

namespace dact::models {

torch::Tensor edm_sample(const Denoiser& denoiser, const torch::Tensor& noise,
                         const EdmSamplerOptions& o, const NoiseSource& randn) {
  const auto sigmas = o.steps();
  const auto sigma = sigmas.accessor<double, 1>();
  auto x_next = noise * sigma[0];
  for (int64_t i = 0; i < o.num_steps; ++i) {
    const double t_cur = sigma[i], t_next = sigma[i + 1];
    const auto x_cur = x_next;
    // Increase noise temporarily (EDM Algorithm 2, lines 4-6).
    const double gamma = o.adds_noise_at(t_cur) ? std::min(o.S_churn / o.num_steps, std::sqrt(2.0) - 1)
                                                : 0.0;
    const double t_hat = t_cur + gamma * t_cur;
    const auto x_hat =
        gamma > 0 ? x_cur + std::sqrt(t_hat * t_hat - t_cur * t_cur) * o.S_noise * randn(x_cur)
                  : x_cur;
    // Euler step, then Heun's correction unless t_next = 0 (lines 7-11).
    const auto d_cur = (x_hat - denoiser(x_hat, t_hat)) / t_hat;
    x_next = x_hat + (t_next - t_hat) * d_cur;
    if (o.heun && i < o.num_steps - 1) {
      const auto d_prime = (x_next - denoiser(x_next, t_next)) / t_next;
      x_next = x_hat + (t_next - t_hat) * (0.5 * d_cur + 0.5 * d_prime);
    }
  }
  return x_next;
}

}  // namespace dact::models
