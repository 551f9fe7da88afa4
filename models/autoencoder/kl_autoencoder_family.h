#pragma once
// The KL autoencoder as a trainable family (arch "kl-autoencoder"): LDM's AutoencoderKL
// (kl_autoencoder.h) trained with its reconstruction + KL objective
// (kl_autoencoder_loss.h) through the same actors as the diffusion families.
//   model: KlAutoencoderConfig keys, or a "preset" (kl_autoencoder_config.h); dropout
//          must be 0 (LibTorch's dropout draws from the global generator, which exact
//          resume cannot replay) and out_ch must equal in_channels
//   trainer.loss: reconstruction "l1" (LDM) | "l2", kl_weight (1e-6, LDM)
// Unconditional (label_dim 0). It is an AutoencodingModel: previews and evaluations
// reconstruct held-out images. sample() throws: decoding prior noise says nothing about
// an autoencoder whose posterior is barely pulled towards N(0, I) (kl_weight 1e-6).
#include "models/autoencoder/kl_autoencoder.h"
#include "models/autoencoder/kl_autoencoder_loss.h"
#include "models/family.h"

namespace dact::models {

const Family& kl_autoencoder_family();

// The Model of a network (for tests and tools that hold a KlAutoencoder).
std::unique_ptr<Model> kl_autoencoder_model(autoencoder::KlAutoencoder net,
                                            autoencoder::KlAutoencoderObjective objective = {});

}  // namespace dact::models
