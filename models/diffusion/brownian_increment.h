#pragma once
// The two Gaussian integrals of Brownian motion W over a step of length dt that a
// second-order (Ito-Taylor, order 1.5 strong) scheme needs (Kloeden & Platen 1992,
// Sec. 10.4):
//   dW = W(t + dt) - W(t),    dZ = int_t^{t+dt} (W(s) - W(t)) ds,
// jointly Gaussian with covariance [[dt, dt^2/2], [dt^2/2, dt^3/3]] per coordinate.
#include <torch/torch.h>

#include <functional>

#include "models/diffusion/sampler_types.h"

namespace dact::models {

struct BrownianIncrement {
  torch::Tensor dW, dZ;
};

// (dW, dZ) shaped like `like` for a step of length dt.
using BrownianSource = std::function<BrownianIncrement(const torch::Tensor& like, double dt)>;

// Draws (dW, dZ) from two standard normal draws of `randn` (z1 first, then z2):
//   dW = sqrt(dt) z1,  dZ = dt^(3/2) (z1 / 2 + z2 / (2 sqrt 3)).
BrownianSource brownian_increments(NoiseSource randn);

}  // namespace dact::models
