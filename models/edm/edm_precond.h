#pragma once
// EDM's preconditioned denoiser D(x; sigma) = c_skip x + c_out F(c_in x; c_noise)
// (EDM Eq. 7) with the coefficients of one column of EDM Table 1: NVlabs/edm
// training/networks.py VPPrecond, VEPrecond, iDDPMPrecond or EDMPrecond around a
// SongUNet or DhariwalUNet F. State-dict names as the reference: model.*, and for
// iDDPM the buffer `u`. Runs in float32 (the reference's use_fp16 only applies on CUDA).
#include <torch/torch.h>

#include "models/edm/edm_backbone.h"
#include "models/edm/edm_precond_config.h"

namespace dact::models::edm {

class EdmPrecondImpl : public torch::nn::Module {
 public:
  explicit EdmPrecondImpl(const EdmPrecondConfig& config);
  // x: [N, img_channels, R, R] noisy images; sigma: N noise levels (any shape);
  // class_labels: [N, label_dim] one-hot, undefined = the zero (unconditional) label;
  // augment_labels: [N, augment_dim] or undefined -> D [N, img_channels, R, R].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& class_labels = {},
                        const torch::Tensor& augment_labels = {});

  // The noise levels the network supports (the reference's sigma_min / sigma_max).
  double sigma_min() const;
  double sigma_max() const;
  // The nearest supported noise level: u_j for iDDPM, sigma itself otherwise.
  torch::Tensor round_sigma(const torch::Tensor& sigma) const;

  const EdmPrecondConfig& config() const { return config_; }

 private:
  EdmPrecondConfig config_;
  std::shared_ptr<Backbone> model_;
  torch::Tensor u_;  // iDDPM only
};
TORCH_MODULE(EdmPrecond);

}  // namespace dact::models::edm
