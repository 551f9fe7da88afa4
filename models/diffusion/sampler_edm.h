#pragma once
// EDM's sampler (Karras et al. 2022, Algorithm 2; NVlabs/edm2 generate_images.py
// edm_sampler): Heun's 2nd-order method (or Euler) on the rho-schedule, with optional
// stochastic churn. Runs in the dtype of `noise`.
#include <torch/torch.h>


#include "models/diffusion/edm_stochasticity.h"
#include "models/diffusion/rho_schedule.h"
#include "models/diffusion/sampler_types.h"

namespace dact::models {

struct EdmSamplerOptions : SamplerNoiseLevels, EdmStochasticity {
  bool heun = true;  // false: Euler (1st order)
};

// Integrates the probability-flow ODE from x = noise * sigma_max down to sigma = 0.
// randn supplies the churn noise (only drawn when S_churn > 0).
torch::Tensor edm_sample(const Denoiser& denoiser, const torch::Tensor& noise,
                         const EdmSamplerOptions& options,
                         const NoiseSource& randn = standard_normal_like);

}  // namespace dact::models
