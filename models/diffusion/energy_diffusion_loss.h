#pragma once
// The training objective of energy diffusion ("Energy-Diffusion Outscales Diffusion",
// the seed's models/pure_diffusion.py): DDPM with eps_hat = m dE/dx_t, kept with its
// graph so the loss trains the energy by double backward; t uniform over the T
// original timesteps; loss = mean squared error of eps, plus optionally
//  - contrastive: softplus(E(x+) - E(x-)) (the seed's cross-entropy over [-E+, -E-]),
//    x+ = q_sample(x0, t, n), x- a sample perturbed by 3 N(0, 1) in x0, noised with n
//    and refined by greedy MCMC (energy_mcmc.h);
//  - refinement: the step-size loss of the always-accepted MCMC trajectory from
//    q_sample(x0, t, n'), which trains the learnable step size alpha.
// The labels the network sees are fixed by the caller once per sample and training
// step (the seed's DiT redraws label dropout at every call, so E and E' of one MCMC
// step could see different labels).
#include <torch/torch.h>

#include <functional>

#include "models/diffusion/ddpm_diffusion.h"
#include "models/diffusion/energy_mcmc.h"
#include "models/diffusion/energy_parameterisation.h"
#include "models/family.h"

namespace dact::models {

struct EnergyLossConfig {
  double contrastive_weight = 0;  // the seed's contrasive_loss_scale 0.05 when enabled
  double refinement_weight = 0;   // the seed's mcmc_refinement_loss_scale 0.1 with a learnable alpha
  double steps_base = 2;          // b of the training-time MCMC
};

// The network at fixed labels: energy only [N], or energy and prediction; t holds
// original timesteps (float) [N].
struct ConditionalEnergy {
  std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& t)> energy;
  std::function<EnergyAndGradient(const torch::Tensor& x, const torch::Tensor& t, bool create_graph)> field;
};

// Everything random in one step, drawn in this order from the step's generator.
struct EnergyLossDraws {
  torch::Tensor t;                    // int64 [N], uniform over [0, T)
  torch::Tensor noise;                // eps of the mse term
  torch::Tensor contrastive_noise;    // n of x+ and x- (contrastive only)
  torch::Tensor negative_offset;      // N(0, 1), x- starts at x0 + 3 offset (contrastive only)
  torch::Tensor refinement_noise;     // n' (refinement only)
};
EnergyLossDraws draw_energy_loss_inputs(const torch::Tensor& x0, int64_t T, const EnergyLossConfig& config,
                                        at::Generator& generator);

// Per-sample loss and its terms: mse (of the network's m dE/dx against the
// parameterisation's target), contrastive, refinement (those enabled),
// energy (the potential U(x_t)), and with contrastive energy_negative and accept_rate (of the
// negatives' MCMC), with refinement descent_rate (share of trajectory steps that did
// not raise E), and alpha. `diffusion` is unrespaced; alpha a scalar (>= 1e-4 is
// enforced here by a clamp, as in the seed). MCMC (contrastive negatives, the
// step-size trajectory) descends the potential U of `parameterisation`.
MicroBatchLoss energy_diffusion_loss(const GaussianDiffusion& diffusion, const ConditionalEnergy& network,
                                     const EnergyParameterisation& parameterisation, const torch::Tensor& x0,
                                     const EnergyLossDraws& draws, const torch::Tensor& alpha,
                                     const EnergyLossConfig& config);

}  // namespace dact::models
