#pragma once
// MCMC refinement on a learned energy (the energy-diffusion seed's opt_step, after
// IRED): S gradient steps x <- x - alpha m dE/dx at a fixed noise level, with
//   S = clamp(int(b (1 + 2 t / T)), 1, 10)
// (b = 2 while training, 5 while sampling). Sampling and contrastive negatives accept
// a step per sample only if the energy did not rise; the step-size (alpha) refinement
// loss follows the always-accepted trajectory with its graph.
// Unlike the seed, no step clamps x to +-2 sqrt(abar_t): that flattens noisy samples
// (at t = T - 1 it bounds x by ~0.01); the predicted x0 is what may be bounded.
#include <torch/torch.h>

#include <functional>

namespace dact::models {

// E(x) [N] and the model's prediction m dE/dx [N, C, H, W] at a fixed noise level and
// labels. create_graph keeps the graph of both (training through the gradient).
struct EnergyAndGradient {
  torch::Tensor energy, gradient;
};
using EnergyField = std::function<EnergyAndGradient(const torch::Tensor& x, bool create_graph)>;

// S for each timestep t [N] (original timesteps of a T-step schedule): int64 [N].
torch::Tensor mcmc_step_counts(double steps_base, const torch::Tensor& t, int64_t T);

struct McmcRefinement {
  torch::Tensor x;                    // refined samples
  torch::Tensor accepted, proposed;   // [N] float: steps accepted / taken per sample
  torch::Tensor energy_before, energy_after;  // [N]
  torch::Tensor gradient_after;               // the prediction at the refined x
};

// Greedy descent without graph: sample n takes steps[n] proposals x - alpha g, each
// kept only where E(proposal) <= E(x). alpha is a scalar (detached here).
McmcRefinement refine_by_energy_descent(const EnergyField& field, const torch::Tensor& x, const torch::Tensor& alpha,
                                        const torch::Tensor& steps);

// The always-accepted trajectory x_{i+1} = x_i - alpha g_i from x_0 = x, with the
// graph (to alpha and to the weights): energies E(x_0) ... E(x_{S-1}) [S, N].
torch::Tensor descent_energy_trajectory(const EnergyField& field, const torch::Tensor& x, const torch::Tensor& alpha,
                                        int64_t steps);

// The step-size refinement loss per sample from trajectory [S_max, N], using the first
// steps[n] energies of sample n: with drops d_i = E_i - E_{i+1},
//   sigmoid((-sum d + 0.1 var d) / S).
// The seed's comment says "penalize erratic trajectories" but it adds
// 0.1 * (-var d), which minimizing turns into a reward for erratic drops; this
// implements the stated intent (+0.1 var d). var is the population variance of the
// sample's own drops (0 with fewer than two), not the seed's over the whole batch, so
// the loss of a sample does not depend on how the batch is split across trainers.
torch::Tensor step_size_refinement_loss(const torch::Tensor& trajectory, const torch::Tensor& steps);

}  // namespace dact::models
