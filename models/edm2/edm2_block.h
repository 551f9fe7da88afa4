#pragma once
// EDM2's U-Net encoder/decoder block with optional self-attention (EDM2 Fig. 21;
// NVlabs/edm2 training/networks_edm2.py Block). Submodule names follow the reference
// state dict: emb_gain, conv_res0, emb_linear, conv_res1, conv_skip, attn_qkv, attn_proj.
#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "models/edm2/edm2_layers.h"
#include "models/edm2/edm2_mp_ops.h"

namespace dact::models {

// The Block arguments UNet passes through unchanged (reference defaults).
struct Edm2BlockConfig {
  std::vector<double> resample_filter{1, 1};
  int64_t channels_per_head = 64;
  double dropout = 0;
  double res_balance = 0.3;   // main branch (0) vs residual branch (1)
  double attn_balance = 0.3;  // main branch (0) vs self-attention (1)
  std::optional<double> clip_act = 256;  // nullopt: no clipping
};

enum class BlockFlavor { enc, dec };

class Edm2BlockImpl : public torch::nn::Module {
 public:
  Edm2BlockImpl(int64_t in_channels, int64_t out_channels, int64_t emb_channels,
                BlockFlavor flavor, ResampleMode resample_mode, bool attention,
                const Edm2BlockConfig& config);
  // x: [N, in_channels, H, W], emb: [N, emb_channels] -> [N, out_channels, H', W'].
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& emb);

  int64_t out_channels;

 private:
  torch::Tensor attention(const torch::Tensor& x);

  BlockFlavor flavor_;
  ResampleMode resample_mode_;
  int64_t num_heads_;
  Edm2BlockConfig config_;
  torch::Tensor emb_gain_;
  MPConv conv_res0_{nullptr}, emb_linear_{nullptr}, conv_res1_{nullptr};
  MPConv conv_skip_{nullptr}, attn_qkv_{nullptr}, attn_proj_{nullptr};
};
TORCH_MODULE(Edm2Block);

}  // namespace dact::models
