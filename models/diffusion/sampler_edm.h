#pragma once
// EDM's sampler (Karras et al. 2022, Algorithm 2; NVlabs/edm2 generate_images.py
// edm_sampler): Heun's 2nd-order method (or Euler) on the rho-schedule, with optional
// stochastic churn. Runs in the dtype of `noise`.
#include <torch/torch.h>

#include <limits>

#include "models/diffusion/sampler_types.h"

namespace dact::models {

struct EdmSamplerOptions {
  int64_t num_steps = 32;
  double sigma_min = 0.002;
  double sigma_max = 80;
  double rho = 7;
  bool heun = true;  // false: Euler (1st order)
  double S_churn = 0;  // 0: deterministic
  double S_min = 0;
  double S_max = std::numeric_limits<double>::infinity();
  double S_noise = 1;
};

// Noise levels t_0 > ... > t_{N-1} of EDM Eq. 5, then t_N = 0: [num_steps + 1], float64.
torch::Tensor edm_sigma_steps(const EdmSamplerOptions& options);

// Where sigma lies on the rho-schedule: 0 at sigma_max, 1 at sigma_min (step i of N
// has progress i / (N - 1)); used by guidance schedules.
double edm_progress(const EdmSamplerOptions& options, double sigma);

// Integrates the probability-flow ODE from x = noise * sigma_max down to sigma = 0.
// randn supplies the churn noise (only drawn when S_churn > 0).
torch::Tensor edm_sample(const Denoiser& denoiser, const torch::Tensor& noise,
                         const EdmSamplerOptions& options,
                         const NoiseSource& randn = standard_normal_like);

}  // namespace dact::models
