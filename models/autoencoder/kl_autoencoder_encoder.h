#pragma once
// LDM's Encoder (ldm/modules/diffusionmodules/model.py; MAR models/vae.py): conv_in,
// one level per ch_mult entry (`down.<level>.block.<i>`, `down.<level>.attn.<i>`
// where the feature map's size is in attn_resolutions, `down.<level>.downsample` on
// all but the last), `mid`, then norm_out -> swish -> conv_out.
#include <torch/torch.h>

#include "models/autoencoder/kl_autoencoder_blocks.h"
#include "models/autoencoder/kl_autoencoder_config.h"

namespace dact::models::autoencoder {

// One resolution of the encoder.
class EncoderLevelImpl : public ResolutionLevelImpl {
 public:
  using ResolutionLevelImpl::ResolutionLevelImpl;
  Downsample downsample{nullptr};  // undefined on the last level
};
TORCH_MODULE(EncoderLevel);

class EncoderImpl : public torch::nn::Module {
 public:
  explicit EncoderImpl(const KlAutoencoderConfig& config);
  // images [N, in_channels, H, W] -> [N, 2 z_channels, H / f, W / f] (f: downsampling_factor).
  torch::Tensor forward(const torch::Tensor& images);

  torch::nn::Conv2d conv_in{nullptr};
  torch::nn::ModuleList down{nullptr};
  MidBlock mid{nullptr};
  torch::nn::GroupNorm norm_out{nullptr};
  torch::nn::Conv2d conv_out{nullptr};
};
TORCH_MODULE(Encoder);

}  // namespace dact::models::autoencoder
