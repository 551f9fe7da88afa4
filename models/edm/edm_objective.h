#pragma once
// The training losses of EDM's networks (NVlabs/edm training/loss.py VPLoss, VELoss,
// EDMLoss), one per trainable preconditioning: for clean images y, a noise level sigma
// drawn as the loss prescribes, n ~ N(0, sigma^2),
//   loss = lambda(sigma) ||D(y + n; sigma) - y||^2,
// with lambda = 1 / sigma^2 (VP, VE) or (sigma^2 + sigma_data^2) / (sigma sigma_data)^2
// (EDM). EDM's training loop sums the loss over elements and divides by the batch size;
// the per-sample loss here is that sum. No augmentation (EDM's recipe without its
// augment pipe).
#include <torch/torch.h>

#include <functional>

#include "models/diffusion/edm_loss.h"
#include "models/edm/edm_precond_config.h"

namespace dact::models::edm {

// The keyword arguments of the loss of each preconditioning, with the reference's
// defaults (which equal the preconditioner's: edm_objective_for aligns them).
struct EdmObjectiveConfig {
  PrecondKind kind = PrecondKind::edm;  // vp, ve or edm (EDM trains no iDDPM network)
  VpPrecondArguments vp;                // VPLoss: beta_d, beta_min, epsilon_t
  VePrecondArguments ve;                // VELoss: sigma_min, sigma_max
  LogNormalSigma edm_sigma = kEdmSigma; // EDMLoss: P_mean, P_std
  double sigma_data = 0.5;              // EDMLoss
};

// D(x; sigma, class_labels) of the network being trained (in training mode).
using TrainedDenoiser =
    std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& labels)>;

// The training noise levels [N, 1, 1, 1] of `config`: one uniform (VP, VE) or normal
// (EDM) draw per sample from `generator`.
torch::Tensor training_sigma(int64_t batch, const EdmObjectiveConfig& config, at::Generator& generator);

// lambda(sigma) of `config`, the same shape as sigma.
torch::Tensor training_weight(const torch::Tensor& sigma, const EdmObjectiveConfig& config);

// The per-sample loss [N] (summed over elements) and sigma [N]. class_labels: [N, label_dim] one-hot or
// undefined. Draws sigma then the noise from `generator`, as the reference draws them.
PerSampleSigmaLoss edm_per_sample_loss(const TrainedDenoiser& D, const torch::Tensor& images,
                                  const torch::Tensor& class_labels, const EdmObjectiveConfig& config,
                                  at::Generator& generator);

}  // namespace dact::models::edm
