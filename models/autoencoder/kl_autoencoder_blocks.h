#pragma once
// The building blocks of LDM's KL autoencoder (CompVis/latent-diffusion
// ldm/modules/diffusionmodules/model.py, as copied into LTH14/mar models/vae.py), with
// the reference state-dict names. Without a timestep embedding (the autoencoder has
// none), so ResnetBlock has no temb_proj.
#include <torch/torch.h>

namespace dact::models::autoencoder {

// nonlinearity(x) = x * sigmoid(x).
torch::Tensor swish(const torch::Tensor& x);

// LDM's Normalize(c): GroupNorm(32 groups, eps 1e-6, affine).
torch::nn::GroupNorm normalization(int64_t channels);

// norm1 -> swish -> conv1 (3x3) -> norm2 -> swish -> dropout -> conv2 (3x3), plus the
// input, through nin_shortcut (1x1) when the width changes.
class ResnetBlockImpl : public torch::nn::Module {
 public:
  ResnetBlockImpl(int64_t in_channels, int64_t out_channels, double dropout);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Conv2d nin_shortcut{nullptr};  // only when in_channels != out_channels
};
TORCH_MODULE(ResnetBlock);

// Single-head self-attention over the H*W positions with 1x1-conv projections q, k, v,
// proj_out, scaled by C^-1/2, added to the input.
class AttnBlockImpl : public torch::nn::Module {
 public:
  explicit AttnBlockImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::GroupNorm norm{nullptr};
  torch::nn::Conv2d q{nullptr}, k{nullptr}, v{nullptr}, proj_out{nullptr};
};
TORCH_MODULE(AttnBlock);

// Halves H and W: pad right and bottom by one (PyTorch convs pad symmetrically only),
// then a 3x3 stride-2 conv without padding; or a 2x2 average pool without conv.
class DownsampleImpl : public torch::nn::Module {
 public:
  DownsampleImpl(int64_t channels, bool with_conv);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d conv{nullptr};  // undefined without conv
};
TORCH_MODULE(Downsample);

// Doubles H and W: nearest-neighbour x2, then (with conv) a 3x3 conv.
class UpsampleImpl : public torch::nn::Module {
 public:
  UpsampleImpl(int64_t channels, bool with_conv);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d conv{nullptr};  // undefined without conv
};
TORCH_MODULE(Upsample);

// The middle of both halves: block_1 -> attn_1 -> block_2 at the lowest resolution.
class MidBlockImpl : public torch::nn::Module {
 public:
  MidBlockImpl(int64_t channels, double dropout);
  torch::Tensor forward(const torch::Tensor& x);

  ResnetBlock block_1{nullptr};
  AttnBlock attn_1{nullptr};
  ResnetBlock block_2{nullptr};
};
TORCH_MODULE(MidBlock);

// The ResnetBlocks of one resolution (`block.<i>`), each followed by an AttnBlock
// (`attn.<i>`) when the level attends; the encoder's and decoder's levels add their
// resampling to it.
class ResolutionLevelImpl : public torch::nn::Module {
 public:
  // block_in -> block_out in the first block, block_out after it.
  ResolutionLevelImpl(int64_t block_in, int64_t block_out, int64_t num_blocks, bool attend, double dropout);
  torch::Tensor forward_blocks(torch::Tensor h);

  torch::nn::ModuleList block{nullptr};
  torch::nn::ModuleList attn{nullptr};  // empty when the level does not attend
};

}  // namespace dact::models::autoencoder
