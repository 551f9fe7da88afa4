#pragma once
// LDM's Decoder (ldm/modules/diffusionmodules/model.py; MAR models/vae.py): conv_in,
// `mid`, then the levels from the lowest resolution up, each num_res_blocks + 1
// ResnetBlocks (`up.<level>.block.<i>`, attention `up.<level>.attn.<i>` where the
// feature map's size is in the decoder's attention resolutions) and, on all but level
// 0, `up.<level>.upsample`; then norm_out -> swish -> conv_out. `up` is indexed by
// level as the encoder's `down` (the reference prepends), not in execution order.
#include <torch/torch.h>

#include "models/autoencoder/kl_autoencoder_blocks.h"
#include "models/autoencoder/kl_autoencoder_config.h"

namespace dact::models::autoencoder {

// One resolution of the decoder.
class DecoderLevelImpl : public ResolutionLevelImpl {
 public:
  using ResolutionLevelImpl::ResolutionLevelImpl;
  Upsample upsample{nullptr};  // undefined on level 0
};
TORCH_MODULE(DecoderLevel);

class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(const KlAutoencoderConfig& config);
  // z [N, z_channels, h, w] -> [N, out_ch, h * f, w * f] (f: downsampling_factor).
  torch::Tensor forward(const torch::Tensor& z);

  torch::nn::Conv2d conv_in{nullptr};
  MidBlock mid{nullptr};
  torch::nn::ModuleList up{nullptr};
  torch::nn::GroupNorm norm_out{nullptr};
  torch::nn::Conv2d conv_out{nullptr};
};
TORCH_MODULE(Decoder);

}  // namespace dact::models::autoencoder
