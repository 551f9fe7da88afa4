#include "models/edm/edm_unet_block.h"

#include "models/edm/edm_attention.h"

namespace dact::models::edm {

UNetBlockImpl::UNetBlockImpl(int64_t in_channels_, int64_t out_channels_, const UNetBlockConfig& config)
    : in_channels(in_channels_),
      out_channels(out_channels_),
      num_heads_(!config.attention  ? 0
                 : config.num_heads ? *config.num_heads
                                    : out_channels_ / config.channels_per_head),
      dropout_(config.dropout),
      skip_scale_(config.skip_scale),
      adaptive_scale_(config.adaptive_scale) {
  Conv2dConfig conv0;
  conv0.kernel = 3;
  conv0.up = config.up;
  conv0.down = config.down;
  conv0.resample_filter = config.resample_filter;
  conv0.init = config.init;
  Conv2dConfig conv1;
  conv1.init = config.init_zero;

  norm0_ = register_module("norm0", GroupNorm(in_channels, 32, 4, config.eps));
  conv0_ = register_module("conv0", Conv2d(in_channels, out_channels, conv0));
  affine_ = register_module(
      "affine", Linear(config.emb_channels, out_channels * (config.adaptive_scale ? 2 : 1), true, config.init));
  norm1_ = register_module("norm1", GroupNorm(out_channels, 32, 4, config.eps));
  conv1_ = register_module("conv1", Conv2d(out_channels, out_channels, conv1));

  if (out_channels != in_channels || config.up || config.down) {
    // Kernel 0: the skip path only resamples (no weights).
    Conv2dConfig skip = conv0;
    skip.kernel = config.resample_proj || out_channels != in_channels ? 1 : 0;
    skip_ = register_module("skip", Conv2d(in_channels, out_channels, skip));
  }

  if (num_heads_ != 0) {
    Conv2dConfig qkv;
    qkv.kernel = 1;
    qkv.init = config.init_attn ? *config.init_attn : config.init;
    Conv2dConfig proj;
    proj.kernel = 1;
    proj.init = config.init_zero;
    norm2_ = register_module("norm2", GroupNorm(out_channels, 32, 4, config.eps));
    qkv_ = register_module("qkv", Conv2d(out_channels, out_channels * 3, qkv));
    proj_ = register_module("proj", Conv2d(out_channels, out_channels, proj));
  }
}

torch::Tensor UNetBlockImpl::forward(const torch::Tensor& x_in, const torch::Tensor& emb) {
  torch::Tensor x = conv0_(torch::silu(norm0_(x_in)));

  const torch::Tensor params = affine_(emb).unsqueeze(2).unsqueeze(3).to(x.scalar_type());
  if (adaptive_scale_) {
    const auto scale_shift = params.chunk(2, 1);
    x = torch::silu(torch::addcmul(scale_shift[1], norm1_(x), scale_shift[0] + 1));
  } else {
    x = torch::silu(norm1_(x + params));
  }

  x = conv1_(torch::dropout(x, dropout_, is_training()));
  x = x + (skip_ ? skip_(x_in) : x_in);
  x = x * skip_scale_;

  if (num_heads_ != 0) x = self_attention(x) * skip_scale_;
  return x;
}

// x + proj(attention(norm2(x))). The qkv channels split as [heads, C / heads, 3]: q, k
// and v are interleaved per channel, as the reference's reshape reads them.
torch::Tensor UNetBlockImpl::self_attention(const torch::Tensor& x) {
  const int64_t n = x.size(0), c = x.size(1);
  const auto qkv = qkv_(norm2_(x)).reshape({n * num_heads_, c / num_heads_, 3, -1}).unbind(2);
  const torch::Tensor w = attention_weights(qkv[0], qkv[1]);
  const torch::Tensor a = torch::einsum("nqk,nck->ncq", {w, qkv[2]});
  return proj_(a.reshape(x.sizes())) + x;
}

}  // namespace dact::models::edm
