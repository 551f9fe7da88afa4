#pragma once
// The callables samplers integrate. A network is wrapped into one of these by the
// caller (fixing its labels, preconditioning and dtype), so samplers stay
// independent of the architecture.
#include <torch/torch.h>

#include <functional>

namespace dact::models {

// D(x; sigma): the denoised estimate of x at noise level sigma (EDM).
using Denoiser = std::function<torch::Tensor(const torch::Tensor& x, double sigma)>;

// D(x; sigma) at one point with its directional derivative along (dx, dsigma):
// dD = (dD/dx) dx + (dD/dsigma) dsigma.
struct DenoiserTangent {
  torch::Tensor D, dD;
};
using DenoiserJvp =
    std::function<DenoiserTangent(const torch::Tensor& x, double sigma, const torch::Tensor& dx, double dsigma)>;

// v(x, t): the flow-matching velocity at time t in [0, 1] (t = 1 is pure noise).
using VelocityField = std::function<torch::Tensor(const torch::Tensor& x, double t)>;

// Fresh standard normal noise shaped like its argument; samplers take one so tests
// and reproducible runs can supply their own stream.
using NoiseSource = std::function<torch::Tensor(const torch::Tensor& like)>;

inline torch::Tensor standard_normal_like(const torch::Tensor& like) { return torch::randn_like(like); }

}  // namespace dact::models
