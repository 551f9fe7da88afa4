#pragma once
// The KL autoencoder's training objective: LDM's LPIPSWithDiscriminator
// (ldm/modules/losses/contperceptual.py) without its perceptual and adversarial terms,
// with its learned output log-variance held at its initial value 0:
//
//   loss = sum_{c,h,w} d(x, D(z)) + kl_weight * KL(q(z | x) || N(0, I)),  z ~ q(z | x)
//
// per sample, with d = |.| (LDM) or (.)^2. LDM sums both terms over every element of a
// sample and divides by the batch (torch.sum(nll_loss) / nll_loss.shape[0], and
// posteriors.kl() sums over [1, 2, 3]); the trainer's sum over the batch / batch does
// the division, so these are per-sample sums and kl_weight = 1e-6 means what it means
// in LDM's configs. Holding logvar at 0 keeps LDM's loss at initialisation; a learned
// one would be an extra parameter outside the autoencoder's state dict.
#include <torch/torch.h>

#include "models/autoencoder/kl_autoencoder.h"

namespace dact::models::autoencoder {

enum class ReconstructionDistance { l1, l2 };

struct KlAutoencoderObjective {
  ReconstructionDistance reconstruction = ReconstructionDistance::l1;  // LDM: torch.abs
  double kl_weight = 1e-6;  // LDM's kl-f4/f8/f16 configs (lossconfig.params.kl_weight)
};

struct KlAutoencoderLoss {
  torch::Tensor loss;            // [N]
  torch::Tensor reconstruction;  // [N], sum over C, H, W of d(x, D(z))
  torch::Tensor kl;              // [N], KL(q(z | x) || N(0, I)) in nats
};

// KL(N(mean, exp(logvar)) || N(0, I)) per sample, summed over [C, h, w]:
// 0.5 * sum(mean^2 + var - 1 - logvar) (LDM's DiagonalGaussianDistribution.kl()).
torch::Tensor kl_to_standard_normal(const KlPosterior& posterior);

// Per sample, summed over [C, H, W]: |x - reconstruction| or (x - reconstruction)^2.
torch::Tensor reconstruction_error(const torch::Tensor& x, const torch::Tensor& reconstruction,
                                   ReconstructionDistance distance);

// Encodes x0 (model space [-1, 1]), draws z from the posterior with `generator` and
// decodes it (LDM's sample_posterior=True); the loss above per sample.
KlAutoencoderLoss kl_autoencoder_loss(KlAutoencoder& net, const torch::Tensor& x0,
                                      const KlAutoencoderObjective& objective, at::Generator& generator);

}  // namespace dact::models::autoencoder
