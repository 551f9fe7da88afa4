#include "models/dit/dit_energy.h"

namespace dact::models {

EnergyDiffusionNetImpl::EnergyDiffusionNetImpl(const DitConfig& config, double mcmc_step_size,
                                               bool learnable_step_size) {
  dit = register_module("dit", Dit(config));
  const torch::Tensor value = torch::tensor(mcmc_step_size, torch::kFloat32);
  alpha = learnable_step_size ? register_parameter("alpha", value) : register_buffer("alpha", value);
}

EnergyAndGradient dit_energy_field(Dit& net, const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y,
                                   bool create_graph) {
  torch::AutoGradMode grad_mode(true);
  const torch::Tensor input = create_graph && x.requires_grad() ? x : x.detach().requires_grad_(true);
  const torch::Tensor energy = net->energy(input, t, y).squeeze(1);
  const torch::Tensor gradient = torch::autograd::grad({energy.sum()}, {input}, /*grad_outputs=*/{},
                                                       /*retain_graph=*/create_graph, create_graph)[0];
  const double m = net->config().energy_gradient_multiplier;
  if (create_graph) return {energy, m * gradient};
  return {energy.detach(), m * gradient.detach()};
}

ConditionalEnergy dit_conditional_energy(Dit net, torch::Tensor y) {
  return {[net, y](const torch::Tensor& x, const torch::Tensor& t) mutable { return net->energy(x, t, y).squeeze(1); },
          [net, y](const torch::Tensor& x, const torch::Tensor& t, bool create_graph) mutable {
            return dit_energy_field(net, x, t, y, create_graph);
          }};
}

TimedEnergyField dit_guided_energy(Dit net, torch::Tensor labels, int64_t null_class, GuidanceSchedule schedule,
                                   int64_t T) {
  const torch::Tensor both_labels = torch::cat({labels, torch::full_like(labels, null_class)});
  return [net, labels, both_labels, schedule, T](const torch::Tensor& x, const torch::Tensor& t) mutable {
    const double level = (t[0].item<double>() + 1) / static_cast<double>(T);
    const double w = schedule.weight_at(1 - level, level);
    if (w == 1) return dit_energy_field(net, x, t, labels, /*create_graph=*/false);
    const EnergyAndGradient both =
        dit_energy_field(net, torch::cat({x, x}), torch::cat({t, t}), both_labels, /*create_graph=*/false);
    const auto energies = both.energy.chunk(2), gradients = both.gradient.chunk(2);
    return EnergyAndGradient{guided(energies[0], energies[1], w), guided(gradients[0], gradients[1], w)};
  };
}

}  // namespace dact::models
