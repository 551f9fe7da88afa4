#include "models/diffusion/energy_mcmc.h"

#include "models/diffusion/per_sample.h"

namespace dact::models {

torch::Tensor mcmc_step_counts(double steps_base, const torch::Tensor& t, int64_t T) {
  // int() truncates toward zero as in the seed's get_adaptive_steps.
  const torch::Tensor factor = 1.0 + 2.0 * t.to(torch::kFloat64) / static_cast<double>(T);
  return (steps_base * factor).trunc().clamp(1, 10).to(torch::kInt64);
}

McmcRefinement refine_by_energy_descent(const EnergyField& field, const torch::Tensor& x, const torch::Tensor& alpha,
                                        const torch::Tensor& steps) {
  const torch::Tensor step_size = alpha.detach().to(x.scalar_type());
  EnergyAndGradient current = field(x.detach(), /*create_graph=*/false);
  McmcRefinement out;
  out.x = x.detach();
  out.accepted = torch::zeros({x.size(0)}, x.options());
  out.proposed = torch::zeros({x.size(0)}, x.options());
  out.energy_before = current.energy.detach();
  torch::Tensor energy = current.energy.detach(), gradient = current.gradient.detach();
  const int64_t most = steps.numel() > 0 ? steps.max().item<int64_t>() : 0;
  for (int64_t i = 0; i < most; ++i) {
    const torch::Tensor active = steps.to(x.device()) > i;
    const torch::Tensor proposal = out.x - step_size * gradient;
    const EnergyAndGradient next = field(proposal, /*create_graph=*/false);
    const torch::Tensor accept = active & (next.energy.detach() <= energy);
    const torch::Tensor keep = per_sample(accept, out.x);
    out.x = torch::where(keep, proposal, out.x);
    energy = torch::where(accept, next.energy.detach(), energy);
    gradient = torch::where(keep, next.gradient.detach(), gradient);
    out.accepted += accept.to(x.scalar_type());
    out.proposed += active.to(x.scalar_type());
  }
  out.energy_after = energy;
  out.gradient_after = gradient;
  return out;
}

torch::Tensor descent_energy_trajectory(const EnergyField& field, const torch::Tensor& x, const torch::Tensor& alpha,
                                        int64_t steps) {
  std::vector<torch::Tensor> energies;
  torch::Tensor x_i = x;
  for (int64_t i = 0; i < steps; ++i) {
    const EnergyAndGradient here = field(x_i, /*create_graph=*/true);
    energies.push_back(here.energy);
    if (i + 1 < steps) x_i = x_i - alpha * here.gradient;
  }
  return torch::stack(energies);
}

torch::Tensor step_size_refinement_loss(const torch::Tensor& trajectory, const torch::Tensor& steps) {
  const int64_t S = trajectory.size(0);
  const torch::Tensor n = steps.to(trajectory.scalar_type());
  if (S < 2) return torch::sigmoid(torch::zeros_like(n));
  const torch::Tensor drops = trajectory.slice(0, 0, S - 1) - trajectory.slice(0, 1, S);  // [S-1, N]
  // Drop i of sample n counts when both its energies are on the sample's trajectory.
  const torch::Tensor index = torch::arange(S - 1, steps.options()).unsqueeze(1);
  const torch::Tensor used = (index < (steps.unsqueeze(0) - 1)).to(trajectory.scalar_type());
  const torch::Tensor count = used.sum(0);
  const torch::Tensor descent = (drops * used).sum(0);
  const torch::Tensor mean = descent / count.clamp_min(1);
  const torch::Tensor variance = ((drops - mean).square() * used).sum(0) / count.clamp_min(1);
  return torch::sigmoid((-descent + 0.1 * variance) / n);
}

}  // namespace dact::models
