#pragma once
// The raw network F_theta that EDM's preconditioners wrap (EDM Eq. 7: D = c_skip x +
// c_out F(c_in x; c_noise)): SongUNet (DDPM++, NCSN++) or DhariwalUNet (ADM), both
// called as in NVlabs/edm training/networks.py.
#include <torch/torch.h>

namespace dact::models::edm {

class Backbone : public torch::nn::Module {
 public:
  // x: [N, in_channels, R, R]; noise_labels: [N] (c_noise); class_labels: [N or 1,
  // label_dim], undefined when unconditional; augment_labels: [N, augment_dim] or
  // undefined (no augmentation) -> [N, out_channels, R, R].
  virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& noise_labels,
                                const torch::Tensor& class_labels, const torch::Tensor& augment_labels) = 0;
};

// In training mode with label_dropout > 0, each of the N rows of `class_labels` becomes
// the zero (unconditional) label with probability label_dropout, for classifier-free
// guidance; otherwise `class_labels` unchanged.
torch::Tensor training_label_dropout(const torch::Tensor& class_labels, int64_t n, double label_dropout, bool training);

}  // namespace dact::models::edm
