#include "models/autoencoder/kl_autoencoder_loss.h"

namespace dact::models::autoencoder {

torch::Tensor kl_to_standard_normal(const KlPosterior& posterior) {
  return 0.5 * (posterior.mean.pow(2) + torch::exp(posterior.logvar) - 1.0 - posterior.logvar).sum({1, 2, 3});
}

torch::Tensor reconstruction_error(const torch::Tensor& x, const torch::Tensor& reconstruction,
                                   ReconstructionDistance distance) {
  const torch::Tensor difference = x - reconstruction;
  const torch::Tensor error = distance == ReconstructionDistance::l1 ? difference.abs() : difference.pow(2);
  return error.sum({1, 2, 3});
}

KlAutoencoderLoss kl_autoencoder_loss(KlAutoencoder& net, const torch::Tensor& x0,
                                      const KlAutoencoderObjective& objective, at::Generator& generator) {
  const KlPosterior posterior = net->encode(x0);
  const torch::Tensor reconstruction = net->decode(posterior.sample(generator));
  KlAutoencoderLoss loss;
  loss.reconstruction = reconstruction_error(x0, reconstruction, objective.reconstruction);
  loss.kl = kl_to_standard_normal(posterior);
  loss.loss = loss.reconstruction + objective.kl_weight * loss.kl;
  return loss;
}

}  // namespace dact::models::autoencoder
