#pragma once
// The Jacobian-vector product of a denoiser in x and sigma, which the second-order
// stochastic sampler (sampler_sed.h) needs once per step.
#include <torch/torch.h>

#include <functional>

#include "models/diffusion/sampler_types.h"

namespace dact::models {

// D(x; sigma) of a network that reads its noise level as a tensor: `sigma_batch` is
// sigma as [N] (under forward-mode AD it carries the tangent), `sigma` its value (for
// what depends on the level, such as a guidance interval).
using BatchSigmaDenoiser =
    std::function<torch::Tensor(const torch::Tensor& x, double sigma, const torch::Tensor& sigma_batch)>;

// D and dD from one forward-mode AD pass (x and sigma made dual at a fresh dual level,
// as torch.autograd.forward_ad). If the network uses an op that has no forward-mode
// formula in this LibTorch, logs one warning naming the op and from then on returns
// central_difference_jvp.
DenoiserJvp forward_mode_jvp(BatchSigmaDenoiser denoiser);

// (D(x + h dx; sigma + h dsigma) - D(x - h dx; sigma - h dsigma)) / 2h with h a small
// fraction of |x| / |dx| for the dtype (kept below sigma / 2|dsigma|), and D(x; sigma):
// three plain passes.
DenoiserTangent central_difference_jvp(const BatchSigmaDenoiser& denoiser, const torch::Tensor& x, double sigma,
                                       const torch::Tensor& dx, double dsigma);

// The plain denoiser (no tangents) of a BatchSigmaDenoiser.
Denoiser plain_denoiser(BatchSigmaDenoiser denoiser);

}  // namespace dact::models
