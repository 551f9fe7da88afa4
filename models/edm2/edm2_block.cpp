#include "models/edm2/edm2_block.h"

#include <cmath>

namespace dact::models {

Edm2BlockImpl::Edm2BlockImpl(int64_t in_channels, int64_t out_channels_, int64_t emb_channels,
                             BlockFlavor flavor, ResampleMode resample_mode, bool attention,
                             const Edm2BlockConfig& config)
    : out_channels(out_channels_),
      flavor_(flavor),
      resample_mode_(resample_mode),
      num_heads_(attention ? out_channels_ / config.channels_per_head : 0),
      config_(config) {
  emb_gain_ = register_parameter("emb_gain", torch::zeros({}));
  const int64_t res0_in = flavor == BlockFlavor::enc ? out_channels : in_channels;
  conv_res0_ = register_module("conv_res0", MPConv(res0_in, out_channels, std::vector<int64_t>{3, 3}));
  emb_linear_ = register_module("emb_linear", MPConv(emb_channels, out_channels, std::vector<int64_t>{}));
  conv_res1_ = register_module("conv_res1", MPConv(out_channels, out_channels, std::vector<int64_t>{3, 3}));
  if (in_channels != out_channels) {
    conv_skip_ = register_module("conv_skip", MPConv(in_channels, out_channels, std::vector<int64_t>{1, 1}));
  }
  if (num_heads_ != 0) {
    attn_qkv_ = register_module("attn_qkv", MPConv(out_channels, out_channels * 3, std::vector<int64_t>{1, 1}));
    attn_proj_ = register_module("attn_proj", MPConv(out_channels, out_channels, std::vector<int64_t>{1, 1}));
  }
}

torch::Tensor Edm2BlockImpl::forward(torch::Tensor x, const torch::Tensor& emb) {
  // Main branch.
  x = resample(x, config_.resample_filter, resample_mode_);
  if (flavor_ == BlockFlavor::enc) {
    if (conv_skip_) x = conv_skip_(x);
    x = normalize(x, {1});  // pixel norm
  }

  // Residual branch.
  torch::Tensor y = conv_res0_(mp_silu(x));
  const torch::Tensor c = emb_linear_(emb, emb_gain_) + 1;
  y = mp_silu(y * c.unsqueeze(2).unsqueeze(3).to(y.scalar_type()));
  if (is_training() && config_.dropout != 0) y = torch::dropout(y, config_.dropout, true);
  y = conv_res1_(y);

  // Connect the branches.
  if (flavor_ == BlockFlavor::dec && conv_skip_) x = conv_skip_(x);
  x = mp_sum(x, y, config_.res_balance);

  if (num_heads_ != 0) x = mp_sum(x, attention(x), config_.attn_balance);

  if (config_.clip_act) x = x.clamp_(-*config_.clip_act, *config_.clip_act);
  return x;
}

// Self-attention over pixels; the qkv channels are laid out [heads, C / heads, 3], so
// q, k, v interleave per channel. q, k, v are pixel-normalized (EDM2 Fig. 21).
torch::Tensor Edm2BlockImpl::attention(const torch::Tensor& x) {
  torch::Tensor y = attn_qkv_(x);
  y = y.reshape({y.size(0), num_heads_, -1, 3, y.size(2) * y.size(3)});
  const auto qkv = normalize(y, {2}).unbind(3);
  const torch::Tensor& q = qkv[0];  // [N, heads, c, pixels]
  const torch::Tensor& k = qkv[1];
  const torch::Tensor& v = qkv[2];
  const double sqrt_c = std::sqrt(static_cast<double>(q.size(2)));
  const torch::Tensor w = torch::matmul(q.transpose(2, 3), k / sqrt_c).softmax(3);  // [N, h, q, k]
  y = torch::matmul(v, w.transpose(2, 3));                                        // [N, h, c, q]
  return attn_proj_(y.reshape(x.sizes()));
}

}  // namespace dact::models
