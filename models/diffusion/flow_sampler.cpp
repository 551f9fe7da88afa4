#include "models/diffusion/flow_sampler.h"

#include <cmath>

namespace dact::models {

torch::Tensor flow_sample(const VelocityField& velocity, const torch::Tensor& noise,
                          const FlowSamplerOptions& o, const NoiseSource& randn) {
  auto x = noise;
  for (int64_t i = 0; i < o.num_steps; ++i) {
    const double t = 1.0 - double(i) / o.num_steps;
    const double t_next = 1.0 - double(i + 1) / o.num_steps;
    const double dt = t_next - t;  // negative
    const auto v = velocity(x, t);
    if (o.solver == FlowSolver::euler) {
      x = x + dt * v;
    } else if (o.solver == FlowSolver::heun) {
      const auto x_euler = x + dt * v;
      x = x + dt * 0.5 * (v + velocity(x_euler, t_next));
    } else if (i == o.num_steps - 1) {
      x = x + dt * v;  // x - t v = E[x0 | x_t]
    } else {
      const auto drift = v + o.eta * (x + (1 - t) * v);
      x = x + dt * drift + std::sqrt(2 * o.eta * t * -dt) * randn(x);
    }
  }
  return x;
}

}  // namespace dact::models
