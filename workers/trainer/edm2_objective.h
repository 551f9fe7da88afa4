#pragma once
// The training objective of the EDM2 denoiser (Karras et al. 2024, training_loop.py
// EDM2Loss): for clean images y, sigma ~ logNormal(P_mean, P_std), n ~ N(0, sigma^2),
// loss = (lambda(sigma) / exp(u(sigma))) ||D(y + n; sigma) - y||^2 + u(sigma).
// All randomness comes from the generator the caller passes, so a micro-batch's loss
// is a fixed function of (weights, batch, generator seed): what exact resume needs.
#include <torch/torch.h>

#include "models/edm2/edm2_precond.h"
#include "models/diffusion/edm_loss.h"

namespace dact::workers::trainer {

struct Edm2ObjectiveConfig {
  models::LogNormalSigma sigma_distribution = models::kEdm2Sigma;
  double label_dropout = 0.0;  // > 0 trains the unconditional model for CFG as well
};

// uint8 pixels [N, C, H, W] -> float32 in [-1, 1] (EDM's pixel convention).
torch::Tensor pixels_to_model_space(const torch::Tensor& pixels_uint8);
// Inverse of the above, rounded and clamped to uint8.
torch::Tensor model_space_to_pixels(const torch::Tensor& images);

// The summed loss of one micro-batch times `scale`; callers pass scale = 1 / batch
// (the global batch) so that summing over rounds and trainers gives EDM2's per-step
// loss.sum() / batch_size. labels: int64 [N] class indices.
torch::Tensor edm2_micro_batch_loss(models::Edm2Precond& net, const torch::Tensor& images,
                                    const torch::Tensor& labels, const Edm2ObjectiveConfig& config,
                                    double scale, at::Generator& generator);

}  // namespace dact::workers::trainer
