#pragma once
// Samplers for flow-matching models (flow_matching.h convention): integrate from
// t = 1 (x = noise) to t = 0 on the uniform grid t_i = 1 - i / N.
//  - euler: x_{i+1} = x_i + (t_{i+1} - t_i) v(x_i, t_i)
//  - heun: Euler predictor, trapezoidal corrector (2 evaluations per step)
//  - stochastic_euler: Euler-Maruyama on the reverse SDE with the same marginals,
//      dx = [v - g^2/2 score] dt + g dW,  g(t)^2 = 2 eta t,
//    where score = -(x + (1 - t) v) / t for x_t = (1 - t) x0 + t eps, so the drift is
//    v + eta (x + (1 - t) v); the last step is a plain Euler step, which lands on
//    the posterior mean E[x0 | x_t] = x - t v.
#include <torch/torch.h>

#include "models/diffusion/sampler_types.h"

namespace dact::models {

enum class FlowSolver { euler, heun, stochastic_euler };

struct FlowSamplerOptions {
  int64_t num_steps = 32;
  FlowSolver solver = FlowSolver::euler;
  double eta = 1;  // stochastic_euler's noise level (0 = euler)
};

torch::Tensor flow_sample(const VelocityField& velocity, const torch::Tensor& noise,
                          const FlowSamplerOptions& options,
                          const NoiseSource& randn = standard_normal_like);

}  // namespace dact::models
