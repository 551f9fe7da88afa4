#pragma once
// Samplers for flow-matching models (flow_matching.h convention): integrate from
// t = 1 (x = noise) to t = 0 on the grid t_i = shifted_time(1 - i / N, time_shift).
//  - euler: x_{i+1} = x_i + (t_{i+1} - t_i) v(x_i, t_i)  (1st order)
//  - heun: Euler predictor, trapezoidal corrector (2 evaluations per step, 2nd order)
//  - stochastic_euler: Euler-Maruyama on the reverse SDE with the same marginals,
//      dx = [v - g^2/2 score] dt + g dW,  g(t)^2 = 2 eta t,
//    (1st order in the weak sense); the last step is a plain Euler step, which lands
//    on the posterior mean E[x0 | x_t] = x - t v.
// The pieces of the SDE step are public so tests and other samplers reuse them.
#include <torch/torch.h>

#include "models/diffusion/sampler_types.h"

namespace dact::models {

enum class FlowSolver { euler, heun, stochastic_euler };

struct FlowSamplerOptions {
  int64_t num_steps = 32;
  FlowSolver solver = FlowSolver::euler;
  double eta = 1;  // stochastic_euler's noise level (0 = euler)
  // SD3's timestep shift s (shifted_time); 1 = the uniform grid, s > 1 spends more
  // steps near the noise end (SD3 uses s = 3 at 1024^2).
  double time_shift = 1;
};

// SD3's resolution-dependent shift (Esser et al. 2024, Sec. 5.3.2):
// t' = s t / (1 + (s - 1) t); keeps t = 0 and t = 1 fixed.
double shifted_time(double t, double shift);

// Times t_0 = 1 > t_1 > ... > t_N = 0 with t_i = shifted_time(1 - i / N): [N + 1], float64.
// Throws std::invalid_argument unless num_steps >= 1 and time_shift > 0.
torch::Tensor flow_time_steps(const FlowSamplerOptions& options);

// Where t lies on the sampler's trajectory: 0 at t = 1, 1 at t = 0, and i / N at the
// grid time t_i (the inverse of the shift, so any t is valid); used by guidance schedules.
double flow_progress(const FlowSamplerOptions& options, double t);

// The score grad log p_t(x) of x_t = (1 - t) x0 + t eps from the velocity:
// E[eps | x_t] = x + (1 - t) v, score = -E[eps | x_t] / t.
torch::Tensor flow_score(const torch::Tensor& x, const torch::Tensor& v, double t);

// g(t) = sqrt(2 eta t), the diffusion coefficient of the reverse SDE.
double flow_sde_diffusion(double t, double eta);

// The reverse SDE's drift v - g(t)^2 / 2 * score: the score term is what keeps the
// marginals of the ODE dx = v dt while noise g dW is injected (Song et al. 2021, Eq. 6).
torch::Tensor flow_reverse_sde_drift(const torch::Tensor& x, const torch::Tensor& v, double t, double eta);

// randn supplies the stochastic_euler noise: one call per step except the last.
torch::Tensor flow_sample(const VelocityField& velocity, const torch::Tensor& noise,
                          const FlowSamplerOptions& options,
                          const NoiseSource& randn = standard_normal_like);

}  // namespace dact::models
