#pragma once
// Sampling of energy diffusion: respaced ancestral DDPM (fixed-small variance) with
// eps = m dE/dx, and after each denoising step greedy MCMC refinement of x on the same
// (guided) energy (energy_mcmc.h).
// The seed refines after respaced step k with the respaced index k as the network's
// timestep, its alpha-bar and its step count, while x is then already at the level of
// the next kept step. Here refinement happens at the noise level x has: the original
// timestep of the next kept step (0 after the last step, where x is the sample).
#include <torch/torch.h>

#include <functional>

#include "models/diffusion/ddpm_diffusion.h"
#include "models/diffusion/energy_mcmc.h"
#include "models/diffusion/energy_parameterisation.h"
#include "models/diffusion/sampler_types.h"

namespace dact::models {

// The (guided) energy and prediction at original timesteps t (float [N]), without graph.
using TimedEnergyField = std::function<EnergyAndGradient(const torch::Tensor& x, const torch::Tensor& t)>;

// The (guided) network's field as the potential of `parameterisation`, with alpha-bar
// of the unrespaced schedule at t.
TimedEnergyField timed_potential(TimedEnergyField network, const EnergyParameterisation& parameterisation,
                                 torch::Tensor alphas_cumprod);

struct EnergySamplerSettings {
  bool refine = true;
  double steps_base = 5;
  double step_size = 1e-3;  // alpha
  int64_t diffusion_steps = 1000;  // T of the unrespaced schedule (for S)
  bool clip_denoised = false;      // bound the predicted x0 to [-1, 1] (pixels)
};

struct EnergySamplerStats {
  double accepted = 0, proposed = 0;  // MCMC steps over all samples and refinements
};

// The original timestep of x's noise level after respaced step i (i = K-1 ... 0).
int64_t refinement_timestep(const std::vector<int64_t>& timestep_map, int64_t i);

// From x_T = noise through `respaced` (a GaussianDiffusion with fixed_small variance
// and epsilon prediction); step_noise as in p_sample_loop. `stats` may be null.
torch::Tensor sample_energy_ddpm(const GaussianDiffusion& respaced, const TimedEnergyField& energy,
                                 const torch::Tensor& noise, const EnergySamplerSettings& settings,
                                 const NoiseSource& step_noise, EnergySamplerStats* stats = nullptr);

}  // namespace dact::models
