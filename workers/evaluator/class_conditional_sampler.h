#pragma once
// Class-conditional sampling of an EDM2 denoiser with EDM's sampler (Heun or Euler) and
// optional classifier-free guidance, down to uint8 pixels: what the preview grid, the
// evaluator and `dact sample` all draw with.
#include <torch/torch.h>

#include <string>

#include "models/edm2/edm2_precond.h"
#include "models/diffusion/sampler_edm.h"

namespace dact::workers::evaluator {

struct SamplingOptions {
  std::string sampler = "heun";  // "heun" (EDM Algorithm 1) or "euler"
  int64_t steps = 32;
  double guidance = 1.0;  // CFG weight; 1 = none (the net needs label dropout if > 1)
};

// Deterministic EDM sampler options for `options`; an unknown sampler or steps < 1 is
// std::invalid_argument.
models::EdmSamplerOptions edm_sampler_options(const SamplingOptions& options);

// labels: int64 class indices [N]; noise: standard normal [N, C, H, W] (scaled by
// sigma_max inside). Returns uint8 pixels [N, C, H, W]. net must be class-conditional.
torch::Tensor sample_class_conditional(models::Edm2Precond& net, const torch::Tensor& labels,
                                       const torch::Tensor& noise, const SamplingOptions& options);

}  // namespace dact::workers::evaluator
