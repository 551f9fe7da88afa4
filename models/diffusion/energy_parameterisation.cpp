#include "models/diffusion/energy_parameterisation.h"

#include "models/diffusion/per_sample.h"

namespace dact::models {

torch::Tensor EnergyParameterisation::potential_energy(const torch::Tensor& energy, const torch::Tensor& x,
                                                       const torch::Tensor& abar) const {
  if (prediction == EnergyPrediction::epsilon) return energy;
  const torch::Tensor a = abar.to(energy.scalar_type());
  return a.sqrt() * energy + (1 - a).sqrt() * x.square().flatten(1).sum(1) / (2 * gradient_multiplier);
}

EnergyAndGradient EnergyParameterisation::potential(const EnergyAndGradient& network, const torch::Tensor& x,
                                                    const torch::Tensor& abar) const {
  if (prediction == EnergyPrediction::epsilon) return network;
  const torch::Tensor a = per_sample(abar, x).to(x.scalar_type());
  return {potential_energy(network.energy, x, abar), a.sqrt() * network.gradient + (1 - a).sqrt() * x};
}

torch::Tensor EnergyParameterisation::target(const torch::Tensor& x0, const torch::Tensor& noise,
                                             const torch::Tensor& abar) const {
  if (prediction == EnergyPrediction::epsilon) return noise;
  const torch::Tensor a = per_sample(abar, x0).to(x0.scalar_type());
  return a.sqrt() * noise - (1 - a).sqrt() * x0;
}

}  // namespace dact::models
