#include "models/diffusion/flow_sampler.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dact::models {

double shifted_time(double t, double shift) { return shift * t / (1 + (shift - 1) * t); }

torch::Tensor flow_time_steps(const FlowSamplerOptions& o) {
  if (o.num_steps < 1 || !(o.time_shift > 0)) {
    throw std::invalid_argument("FlowSamplerOptions: num_steps must be >= 1 and time_shift > 0, got " +
                                std::to_string(o.num_steps) + " and " + std::to_string(o.time_shift));
  }
  auto steps = torch::empty({o.num_steps + 1}, torch::kFloat64);
  auto t = steps.accessor<double, 1>();
  for (int64_t i = 0; i <= o.num_steps; ++i) {
    t[i] = shifted_time(1.0 - double(i) / double(o.num_steps), o.time_shift);
  }
  return steps;
}

double flow_progress(const FlowSamplerOptions& o, double t) {
  // The shift with 1 / s inverts the one with s.
  return std::clamp(1.0 - shifted_time(t, 1.0 / o.time_shift), 0.0, 1.0);
}

torch::Tensor flow_score(const torch::Tensor& x, const torch::Tensor& v, double t) {
  return -(x + (1 - t) * v) / t;
}

double flow_sde_diffusion(double t, double eta) { return std::sqrt(2 * eta * t); }

torch::Tensor flow_reverse_sde_drift(const torch::Tensor& x, const torch::Tensor& v, double t, double eta) {
  const double g = flow_sde_diffusion(t, eta);
  return v - 0.5 * g * g * flow_score(x, v, t);
}

torch::Tensor flow_sample(const VelocityField& velocity, const torch::Tensor& noise,
                          const FlowSamplerOptions& o, const NoiseSource& randn) {
  const auto times = flow_time_steps(o);
  const auto time = times.accessor<double, 1>();
  auto x = noise;
  for (int64_t i = 0; i < o.num_steps; ++i) {
    const double t = time[i], t_next = time[i + 1];
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
      // Euler-Maruyama: the Brownian increment over |dt| has std sqrt(-dt).
      x = x + dt * flow_reverse_sde_drift(x, v, t, o.eta) +
          flow_sde_diffusion(t, o.eta) * std::sqrt(-dt) * randn(x);
    }
  }
  return x;
}

}  // namespace dact::models
