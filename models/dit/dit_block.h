#pragma once
// DiT's transformer pieces (facebookresearch/DiT models.py, timm Attention / Mlp),
// with the reference state-dict names: DitAttention (`qkv`, `proj`), DitMlp (`fc1`,
// `fc2`), DitBlock (`attn`, `mlp`, `adaLN_modulation.1`), DitFinalLayer (`linear`,
// `adaLN_modulation.1`).
#include <torch/torch.h>

#include "models/dit/dit_config.h"

namespace dact::models {

// adaLN modulation x * (1 + scale) + shift, shift/scale [N, D] broadcast over tokens.
torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale);

// Multi-head self-attention, timm layout: qkv output channels are [3, heads, head_dim].
// With RoPE, q and k are rotated by `rope_angles` (see dit_rope.h) before the product.
class DitAttentionImpl : public torch::nn::Module {
 public:
  DitAttentionImpl(int64_t dim, int64_t num_heads);
  // x: [N, T, D]; rope_angles undefined = no rotation.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& rope_angles = {});

  torch::nn::Linear qkv{nullptr}, proj{nullptr};
  int64_t num_heads;
};
TORCH_MODULE(DitAttention);

// fc2(act(fc1 x)): act = tanh-approximate GELU (DiT), exact GELU (timm, MAR), or SwiGLU (Shazeer 2020) where
// fc1 packs [value, gate] and act = value * silu(gate); SwiGLU's hidden width is
// 2/3 of the GELU one so both have the same parameter count.
class DitMlpImpl : public torch::nn::Module {
 public:
  DitMlpImpl(int64_t dim, double mlp_ratio, DitMlpKind kind);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  DitMlpKind kind;
};
TORCH_MODULE(DitMlp);

// adaLN-Zero block: c -> (shift, scale, gate) for attention and MLP (DiT Sec. 3.2).
class DitBlockImpl : public torch::nn::Module {
 public:
  DitBlockImpl(int64_t hidden_size, int64_t num_heads, double mlp_ratio, DitMlpKind mlp_kind);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& c,
                        const torch::Tensor& rope_angles = {});

  DitAttention attn{nullptr};
  DitMlp mlp{nullptr};
  torch::nn::Sequential adaLN_modulation{nullptr};
};
TORCH_MODULE(DitBlock);

// Modulated LayerNorm then Linear(hidden -> out_features) per token.
class DitFinalLayerImpl : public torch::nn::Module {
 public:
  DitFinalLayerImpl(int64_t hidden_size, int64_t out_features);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& c);

  torch::nn::Linear linear{nullptr};
  torch::nn::Sequential adaLN_modulation{nullptr};
};
TORCH_MODULE(DitFinalLayer);

}  // namespace dact::models
