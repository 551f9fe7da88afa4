#pragma once
// The energy DiT as the energy family trains it: the network and its MCMC step size
// alpha, with the state-dict names of the seed's PureDiffusion (`dit.*`, `alpha`), so
// its checkpoints load. alpha is a parameter when learnable, else a buffer.
#include <torch/torch.h>

#include "models/diffusion/energy_diffusion_loss.h"
#include "models/diffusion/energy_sampler.h"
#include "models/diffusion/guidance.h"
#include "models/dit/dit.h"

namespace dact::models {

class EnergyDiffusionNetImpl : public torch::nn::Module {
 public:
  EnergyDiffusionNetImpl(const DitConfig& config, double mcmc_step_size, bool learnable_step_size);
  Dit dit{nullptr};
  torch::Tensor alpha;  // scalar
};
TORCH_MODULE(EnergyDiffusionNet);

// E(x, t, y) [N] and m dE/dx; with create_graph both keep their graph (x may be a
// non-leaf of a trajectory), else both are detached.
EnergyAndGradient dit_energy_field(Dit& net, const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y,
                                   bool create_graph);

// The network at labels y (already dropped for guidance training).
ConditionalEnergy dit_conditional_energy(Dit net, torch::Tensor y);

// Classifier-free guidance of the energy: E = E_u + w (E_c - E_u) and the prediction
// eps_u + w (eps_c - eps_u) on every channel, from one pass over [x; x] with
// [labels; null_class]. The weight follows `schedule` at noise level (t + 1) / T.
// (The seed's sampler feeds the conditional labels to both halves, guides 3 channels
// and skips MCMC when guiding.)
TimedEnergyField dit_guided_energy(Dit net, torch::Tensor labels, int64_t null_class, GuidanceSchedule schedule,
                                   int64_t T);

}  // namespace dact::models
