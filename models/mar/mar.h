#pragma once
// MAR's masked autoregressive transformer (Li et al. 2024; LTH14/mar models/mar.py):
// latents are patchified into tokens (channel-major inside a patch), projected by
// z_proj + LayerNorm; `buffer_size` leading buffer tokens carry the class embedding
// (or the learned fake_latent, MAR's unconditional class); an encoder runs over the
// buffer and the unmasked tokens only; a decoder pads mask tokens back in, drops the
// buffer and adds the diffusion position embedding, giving z, the condition of the
// DiffLoss MLP (`diffloss.net`). Blocks are timm's pre-norm Block (LayerNorm eps 1e-6,
// qkv with bias, exact GELU). State-dict names are the reference's.
#include <torch/torch.h>

#include "models/dit/dit_block.h"
#include "models/mar/diffloss_mlp.h"
#include "models/mar/mar_config.h"

namespace dact::models {

// timm's Block: x + attn(norm1 x), then + mlp(norm2 x).
class MarBlockImpl : public torch::nn::Module {
 public:
  MarBlockImpl(int64_t dim, int64_t num_heads, double mlp_ratio);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  DitAttention attn{nullptr};
  DitMlp mlp{nullptr};
};
TORCH_MODULE(MarBlock);

// MAR's DiffLoss module: only its network holds weights (`diffloss.net.*`).
class MarDiffLossImpl : public torch::nn::Module {
 public:
  explicit MarDiffLossImpl(const DiffLossMlpConfig& config);
  DiffLossMlp net{nullptr};
};
TORCH_MODULE(MarDiffLoss);

class MarImpl : public torch::nn::Module {
 public:
  // Weights initialized as the reference (N(0, 0.02) embeddings and tokens, xavier
  // linears, unit LayerNorms; the DiffLoss MLP as its own).
  explicit MarImpl(const MarConfig& config);

  // [N, C, H, W] -> [N, seq, C p p] (c, p, q inside a token) and back.
  torch::Tensor patchify(const torch::Tensor& x) const;
  torch::Tensor unpatchify(const torch::Tensor& tokens) const;

  // class_emb(labels), or fake_latent where `unconditional` (bool [N]) is set.
  torch::Tensor class_embedding(const torch::Tensor& labels, const torch::Tensor& unconditional);

  // tokens [N, seq, C p p], mask [N, seq] (1 = masked; every row masks as many),
  // class_embedding [N, D] -> [N, buffer + kept, D].
  torch::Tensor forward_mae_encoder(const torch::Tensor& tokens, const torch::Tensor& mask,
                                    const torch::Tensor& class_embedding);
  // encoder output, mask -> z [N, seq, D_dec].
  torch::Tensor forward_mae_decoder(const torch::Tensor& encoded, const torch::Tensor& mask);

  const MarConfig& config() const { return config_; }

  torch::nn::Embedding class_emb{nullptr};
  torch::Tensor fake_latent, mask_token, encoder_pos_embed_learned, decoder_pos_embed_learned,
      diffusion_pos_embed_learned;
  torch::nn::Linear z_proj{nullptr}, decoder_embed{nullptr};
  torch::nn::LayerNorm z_proj_ln{nullptr}, encoder_norm{nullptr}, decoder_norm{nullptr};
  torch::nn::ModuleList encoder_blocks{nullptr}, decoder_blocks{nullptr};
  MarDiffLoss diffloss{nullptr};

 private:
  MarConfig config_;
};
TORCH_MODULE(Mar);

}  // namespace dact::models
