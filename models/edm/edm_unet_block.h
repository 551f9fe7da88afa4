#pragma once
// EDM's unified U-Net block (NVlabs/edm training/networks.py UNetBlock): the union of
// the DDPM++, NCSN++ and ADM residual blocks, with optional up/downsampling and
// self-attention. Submodule names as the reference state dict: norm0, conv0, affine,
// norm1, conv1, skip (when channels change or the block resamples), and with attention
// norm2, qkv, proj.
#include <torch/torch.h>

#include <optional>
#include <vector>

#include "models/edm/edm_layers.h"

namespace dact::models::edm {

// UNetBlock constructor arguments besides in/out channels (reference defaults).
struct UNetBlockConfig {
  int64_t emb_channels = 0;
  bool up = false;
  bool down = false;
  bool attention = false;
  std::optional<int64_t> num_heads;  // nullopt: out_channels / channels_per_head
  int64_t channels_per_head = 64;
  double dropout = 0;
  double skip_scale = 1;
  double eps = 1e-5;
  std::vector<double> resample_filter{1, 1};
  bool resample_proj = false;  // a 1x1 conv on the resampled skip path even if channels match
  // true (ADM): the embedding gives a scale and a shift of the normalized features;
  // false (DDPM++/NCSN++): it is added before normalization.
  bool adaptive_scale = true;
  LayerInit init;
  LayerInit init_zero{InitMode::kaiming_normal, 0, 0};
  std::optional<LayerInit> init_attn;  // nullopt: init
};

class UNetBlockImpl : public torch::nn::Module {
 public:
  UNetBlockImpl(int64_t in_channels, int64_t out_channels, const UNetBlockConfig& config);
  // x: [N, in_channels, H, W], emb: [N, emb_channels] -> [N, out_channels, H', W'].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& emb);

  int64_t in_channels, out_channels;

 private:
  torch::Tensor self_attention(const torch::Tensor& x);

  int64_t num_heads_;  // 0: no attention (also when out_channels < channels_per_head)
  double dropout_, skip_scale_;
  bool adaptive_scale_;
  GroupNorm norm0_{nullptr}, norm1_{nullptr}, norm2_{nullptr};
  Conv2d conv0_{nullptr}, conv1_{nullptr}, skip_{nullptr}, qkv_{nullptr}, proj_{nullptr};
  Linear affine_{nullptr};
};
TORCH_MODULE(UNetBlock);

}  // namespace dact::models::edm
