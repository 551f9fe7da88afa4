#pragma once
// What the energy network's gradient predicts, as the potential U whose gradient
// m dU/dx is the noise prediction eps_hat that DDPM sampling and MCMC use:
//   epsilon (the seed's):  U = E,  eps_hat = m dE/dx;
//   v:  U = sqrt(abar_t) E + sqrt(1 - abar_t) |x|^2 / (2 m), so that m dE/dx predicts
//       v = sqrt(abar) eps - sqrt(1 - abar) x0 (Salimans & Ho 2022) and
//       eps_hat = sqrt(abar) v_hat + sqrt(1 - abar) x_t.
// v is still a conservative field (MCMC descends U and accepts where U did not rise).
// Why: with eps, x0 = (x_t - sqrt(1 - abar) eps_hat) / sqrt(abar) multiplies the
// prediction's error by up to 1 / sqrt(abar) (1e4 at the cosine schedule's last
// step), so an early model's x0 saturates under the clip at high noise; v's x0,
// sqrt(abar) x_t - sqrt(1 - abar) v_hat, does not amplify it. The mse is then taken
// on v, as DDPM's v prediction does.
#include <torch/torch.h>

#include "models/diffusion/energy_mcmc.h"

namespace dact::models {

enum class EnergyPrediction { epsilon, velocity };

struct EnergyParameterisation {
  EnergyPrediction prediction = EnergyPrediction::epsilon;
  double gradient_multiplier = 1;  // m

  // (U, m dU/dx) from the network's (E, m dE/dx) at x, alpha-bar abar [N].
  EnergyAndGradient potential(const EnergyAndGradient& network, const torch::Tensor& x,
                              const torch::Tensor& abar) const;
  // U from the network's E alone.
  torch::Tensor potential_energy(const torch::Tensor& energy, const torch::Tensor& x, const torch::Tensor& abar) const;
  // What the mse compares m dE/dx with: the noise, or v.
  torch::Tensor target(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& abar) const;
};

}  // namespace dact::models
