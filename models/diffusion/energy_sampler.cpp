#include "models/diffusion/energy_sampler.h"

namespace dact::models {

TimedEnergyField timed_potential(TimedEnergyField network, const EnergyParameterisation& parameterisation,
                                 torch::Tensor alphas_cumprod) {
  if (parameterisation.prediction == EnergyPrediction::epsilon) return network;
  return [network, parameterisation, alphas_cumprod](const torch::Tensor& x, const torch::Tensor& t) {
    return parameterisation.potential(network(x, t), x, alphas_cumprod.index_select(0, t.to(torch::kInt64)));
  };
}

int64_t refinement_timestep(const std::vector<int64_t>& timestep_map, int64_t i) {
  return i > 0 ? timestep_map[i - 1] : 0;
}

torch::Tensor sample_energy_ddpm(const GaussianDiffusion& respaced, const TimedEnergyField& energy,
                                 const torch::Tensor& noise, const EnergySamplerSettings& settings,
                                 const NoiseSource& step_noise, EnergySamplerStats* stats) {
  const std::vector<int64_t>& map = respaced.timestep_map();
  const auto int_options = torch::TensorOptions(torch::kInt64).device(noise.device());
  const torch::Tensor alpha = torch::tensor(settings.step_size, noise.options());
  torch::Tensor x = noise;
  // Refinement ends at the level of the next step with the prediction at its x.
  torch::Tensor refined_prediction;
  for (int64_t i = respaced.num_timesteps() - 1; i >= 0; --i) {
    const torch::Tensor index = torch::full({x.size(0)}, i, int_options);
    const torch::Tensor t = torch::full({x.size(0)}, static_cast<double>(map[i]), noise.options());
    const torch::Tensor eps = refined_prediction.defined() ? refined_prediction : energy(x, t).gradient;
    const DdpmMeanVariance out = respaced.p_mean_variance(eps, x, index, settings.clip_denoised);
    const torch::Tensor z = step_noise(x);
    x = i > 0 ? out.mean + torch::exp(0.5 * out.log_variance) * z : out.mean;
    if (!settings.refine) continue;
    const int64_t level = refinement_timestep(map, i);
    const torch::Tensor t_level = torch::full({x.size(0)}, static_cast<double>(level), noise.options());
    const EnergyField field = [&energy, &t_level](const torch::Tensor& y, bool) { return energy(y, t_level); };
    const McmcRefinement refined = refine_by_energy_descent(
        field, x, alpha, mcmc_step_counts(settings.steps_base, t_level, settings.diffusion_steps));
    x = refined.x;
    refined_prediction = refined.gradient_after;
    if (stats != nullptr) {
      stats->accepted += refined.accepted.sum().item<double>();
      stats->proposed += refined.proposed.sum().item<double>();
    }
  }
  return x;
}

}  // namespace dact::models
