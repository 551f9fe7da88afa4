#include "models/edm/edm_objective.h"

#include <stdexcept>

namespace dact::models::edm {

torch::Tensor training_sigma(int64_t batch, const EdmObjectiveConfig& config, at::Generator& generator) {
  const std::vector<int64_t> shape{batch, 1, 1, 1};
  switch (config.kind) {
    case PrecondKind::vp:
      return vp_training_sigma(torch::rand(shape, generator), config.vp.beta_d, config.vp.beta_min,
                               config.vp.epsilon_t);
    case PrecondKind::ve:
      return ve_training_sigma(torch::rand(shape, generator), config.ve.sigma_min, config.ve.sigma_max);
    case PrecondKind::edm:
      return sample_sigma(batch, config.edm_sigma, generator);
    case PrecondKind::iddpm:
      break;
  }
  throw std::invalid_argument("EDM has no training loss for iDDPM preconditioning (training/loss.py)");
}

torch::Tensor training_weight(const torch::Tensor& sigma, const EdmObjectiveConfig& config) {
  if (config.kind == PrecondKind::edm) return edm_loss_weight(sigma, config.sigma_data);
  return sigma.square().reciprocal();
}

PerSampleSigmaLoss edm_per_sample_loss(const TrainedDenoiser& D, const torch::Tensor& images,
                                  const torch::Tensor& class_labels, const EdmObjectiveConfig& config,
                                  at::Generator& generator) {
  const torch::Tensor sigma = training_sigma(images.size(0), config, generator);
  const torch::Tensor n = torch::randn(images.sizes(), generator, images.options()) * sigma;
  const torch::Tensor D_yn = D(images + n, sigma, class_labels);
  return {(training_weight(sigma, config) * (D_yn - images).square()).flatten(1).sum(1), sigma.flatten()};
}

}  // namespace dact::models::edm
