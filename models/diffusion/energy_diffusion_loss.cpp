#include "models/diffusion/energy_diffusion_loss.h"

#include "models/diffusion/per_sample.h"

namespace dact::models {
namespace {

torch::Tensor mean_over_pixels(const torch::Tensor& x) { return x.flatten(1).mean(1); }

EnergyField field_at(const ConditionalEnergy& energy, const torch::Tensor& t) {
  return [&energy, t](const torch::Tensor& x, bool create_graph) { return energy.field(x, t, create_graph); };
}

// The network's energy as the potential U that MCMC descends (energy_parameterisation.h).
ConditionalEnergy potential_of(const ConditionalEnergy& network, const EnergyParameterisation& parameterisation,
                               const torch::Tensor& alphas_cumprod) {
  if (parameterisation.prediction == EnergyPrediction::epsilon) return network;
  const auto abar_at = [alphas_cumprod](const torch::Tensor& t) {
    return alphas_cumprod.index_select(0, t.to(torch::kInt64));
  };
  return {[network, parameterisation, abar_at](const torch::Tensor& x, const torch::Tensor& t) {
            return parameterisation.potential_energy(network.energy(x, t), x, abar_at(t));
          },
          [network, parameterisation, abar_at](const torch::Tensor& x, const torch::Tensor& t, bool create_graph) {
            return parameterisation.potential(network.field(x, t, create_graph), x, abar_at(t));
          }};
}

// x- at the level of x+: x0 + 3 offset noised with n, refined by greedy MCMC, then its
// x0 bounded to [-2, 2] and renoised with the same n. The seed recovers x0 as
// x_opt / sqrt(abar) (it multiplies the noise by zeros) and so noises x- twice; here
// x0 = (x_opt - sqrt(1 - abar) n) / sqrt(abar), the inverse of q_sample.
torch::Tensor contrastive_negative(const GaussianDiffusion& diffusion, const ConditionalEnergy& energy,
                                   const torch::Tensor& x0, const EnergyLossDraws& draws, const torch::Tensor& alpha,
                                   const EnergyLossConfig& config, McmcRefinement& refinement) {
  const torch::Tensor t_float = draws.t.to(x0.scalar_type());
  const torch::Tensor start = diffusion.q_sample(x0 + 3.0 * draws.negative_offset, draws.t, draws.contrastive_noise);
  refinement = refine_by_energy_descent(field_at(energy, t_float), start, alpha,
                                        mcmc_step_counts(config.steps_base, draws.t, diffusion.num_timesteps()));
  const torch::Tensor abar = per_sample(diffusion.alphas_cumprod().index_select(0, draws.t), x0).to(x0.scalar_type());
  const torch::Tensor x0_negative =
      ((refinement.x - (1 - abar).sqrt() * draws.contrastive_noise) / abar.sqrt()).clamp(-2, 2);
  return diffusion.q_sample(x0_negative, draws.t, draws.contrastive_noise);
}

}  // namespace

EnergyLossDraws draw_energy_loss_inputs(const torch::Tensor& x0, int64_t T, const EnergyLossConfig& config,
                                        at::Generator& generator) {
  EnergyLossDraws draws;
  draws.t = torch::randint(0, T, {x0.size(0)}, generator);
  draws.noise = torch::randn(x0.sizes(), generator, x0.options());
  if (config.contrastive_weight > 0) {
    draws.contrastive_noise = torch::randn(x0.sizes(), generator, x0.options());
    draws.negative_offset = torch::randn(x0.sizes(), generator, x0.options());
  }
  if (config.refinement_weight > 0) draws.refinement_noise = torch::randn(x0.sizes(), generator, x0.options());
  return draws;
}

MicroBatchLoss energy_diffusion_loss(const GaussianDiffusion& diffusion, const ConditionalEnergy& network,
                                     const EnergyParameterisation& parameterisation, const torch::Tensor& x0,
                                     const EnergyLossDraws& draws, const torch::Tensor& alpha,
                                     const EnergyLossConfig& config) {
  const torch::Tensor t_float = draws.t.to(x0.scalar_type());
  const torch::Tensor abar = diffusion.alphas_cumprod().index_select(0, draws.t);
  const torch::Tensor x_t = diffusion.q_sample(x0, draws.t, draws.noise);
  const EnergyAndGradient at_x_t = network.field(x_t, t_float, /*create_graph=*/true);
  MicroBatchLoss out;
  const torch::Tensor target = parameterisation.target(x0, draws.noise, abar);
  const torch::Tensor mse = mean_over_pixels((target - at_x_t.gradient).square());
  out.loss = mse;
  out.terms["mse"] = mse.detach();
  out.terms["energy"] = parameterisation.potential_energy(at_x_t.energy, x_t, abar).detach();
  const ConditionalEnergy energy = potential_of(network, parameterisation, diffusion.alphas_cumprod());
  const torch::Tensor step_size = alpha.clamp_min(1e-4);
  out.terms["alpha"] = step_size.detach().expand({x0.size(0)}).to(x0.scalar_type());
  if (config.contrastive_weight > 0) {
    McmcRefinement refinement;
    const torch::Tensor negative = contrastive_negative(diffusion, energy, x0, draws, step_size, config, refinement);
    const torch::Tensor positive = diffusion.q_sample(x0, draws.t, draws.contrastive_noise);
    const torch::Tensor energy_negative = energy.energy(negative, t_float);
    const torch::Tensor contrastive = torch::softplus(energy.energy(positive, t_float) - energy_negative);
    out.loss = out.loss + config.contrastive_weight * contrastive;
    out.terms["contrastive"] = contrastive.detach();
    out.terms["energy_negative"] = energy_negative.detach();
    out.terms["accept_rate"] = refinement.accepted / refinement.proposed.clamp_min(1);
  }
  if (config.refinement_weight > 0) {
    const torch::Tensor steps = mcmc_step_counts(config.steps_base, draws.t, diffusion.num_timesteps());
    const torch::Tensor start = diffusion.q_sample(x0, draws.t, draws.refinement_noise).detach();
    const torch::Tensor trajectory = descent_energy_trajectory(field_at(energy, t_float), start, step_size,
                                                               steps.max().item<int64_t>());
    const torch::Tensor refinement = step_size_refinement_loss(trajectory, steps);
    out.loss = out.loss + config.refinement_weight * refinement;
    out.terms["refinement"] = refinement.detach();
    const int64_t S = trajectory.size(0);
    if (S > 1) {
      const torch::Tensor index = torch::arange(S - 1, steps.options()).unsqueeze(1);
      const torch::Tensor used = index < (steps.unsqueeze(0) - 1);
      const torch::Tensor descended = (trajectory.slice(0, 1, S) <= trajectory.slice(0, 0, S - 1)) & used;
      out.terms["descent_rate"] =
          descended.sum(0).to(x0.scalar_type()) / used.sum(0).clamp_min(1).to(x0.scalar_type());
    }
  }
  return out;
}

}  // namespace dact::models
