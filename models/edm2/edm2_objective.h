#pragma once
// The training objective of the EDM2 denoiser (Karras et al. 2024, training_loop.py
// EDM2Loss): for clean images y, sigma ~ logNormal(P_mean, P_std), n ~ N(0, sigma^2),
// loss = (lambda(sigma) / exp(u(sigma))) ||D(y + n; sigma) - y||^2 + u(sigma).
#include <torch/torch.h>

#include "models/diffusion/edm_loss.h"
#include "models/edm2/edm2_precond.h"

namespace dact::models {

struct Edm2ObjectiveConfig {
  LogNormalSigma sigma_distribution = kEdm2Sigma;
  double label_dropout = 0.0;  // > 0 trains the unconditional model for CFG as well
};

// The per-sample loss [N] (summed over elements, as EDM2 sums before dividing by the
// batch size) and sigma [N]. labels: int64 [N] class indices. Draws sigma, the noise and
// the label dropout from `generator`, in that order.
PerSampleSigmaLoss edm2_per_sample_loss(Edm2Precond& net, const torch::Tensor& images, const torch::Tensor& labels,
                                   const Edm2ObjectiveConfig& config, at::Generator& generator);

}  // namespace dact::models
