#pragma once
// EDM's sampler (Karras et al. 2022, Algorithm 2; NVlabs/edm2 generate_images.py
// edm_sampler): Heun's 2nd-order method (or Euler) on the rho-schedule, with optional
// stochastic churn. Runs in the dtype of `noise`.
#include <torch/torch.h>

#include <vector>

#include "models/diffusion/edm_stochasticity.h"
#include "models/diffusion/rho_schedule.h"
#include "models/diffusion/sampler_types.h"

namespace dact::models {

struct EdmSamplerOptions : RhoSchedule, EdmStochasticity {
  bool heun = true;  // false: Euler (1st order)
  // Non-empty: these noise levels t_0 > ... > t_{N-1} (a learned schedule,
  // learned_schedule.h; N = num_steps) instead of the rho-schedule's; then t_N = 0.
  std::vector<double> sigmas;
};

// Integrates the probability-flow ODE from x = noise * sigma_max down to sigma = 0.
// randn supplies the churn noise (only drawn when S_churn > 0).
torch::Tensor edm_sample(const Denoiser& denoiser, const torch::Tensor& noise,
                         const EdmSamplerOptions& options,
                         const NoiseSource& randn = standard_normal_like);

}  // namespace dact::models
