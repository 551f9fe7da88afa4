#include "models/edm/edm_layers.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dact::models::edm {

torch::Tensor weight_init(torch::IntArrayRef shape, InitMode mode, double fan_in, double fan_out) {
  switch (mode) {
    case InitMode::xavier_uniform:
      return std::sqrt(6 / (fan_in + fan_out)) * (torch::rand(shape) * 2 - 1);
    case InitMode::xavier_normal:
      return std::sqrt(2 / (fan_in + fan_out)) * torch::randn(shape);
    case InitMode::kaiming_uniform:
      return std::sqrt(3 / fan_in) * (torch::rand(shape) * 2 - 1);
    case InitMode::kaiming_normal:
      return std::sqrt(1 / fan_in) * torch::randn(shape);
  }
  throw std::invalid_argument("weight_init: unknown init mode");
}

LinearImpl::LinearImpl(int64_t in_features_, int64_t out_features_, bool with_bias, const LayerInit& init)
    : in_features(in_features_), out_features(out_features_) {
  const double fan_in = static_cast<double>(in_features), fan_out = static_cast<double>(out_features);
  weight = register_parameter("weight",
                              weight_init({out_features, in_features}, init.mode, fan_in, fan_out) * init.init_weight);
  if (with_bias) {
    bias = register_parameter("bias", weight_init({out_features}, init.mode, fan_in, fan_out) * init.init_bias);
  }
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = torch::matmul(x, weight.to(x.scalar_type()).t());
  return bias.defined() ? y + bias.to(x.scalar_type()) : y;
}

Conv2dImpl::Conv2dImpl(int64_t in_channels_, int64_t out_channels_, const Conv2dConfig& config)
    : in_channels(in_channels_),
      out_channels(out_channels_),
      up_(config.up),
      down_(config.down),
      fused_resample_(config.fused_resample) {
  if (config.up && config.down) throw std::invalid_argument("edm::Conv2d: up and down both set");
  const int64_t k = config.kernel;
  const double fan_in = static_cast<double>(in_channels * k * k), fan_out = static_cast<double>(out_channels * k * k);
  const LayerInit& init = config.init;
  if (k != 0) {
    weight = register_parameter(
        "weight", weight_init({out_channels, in_channels, k, k}, init.mode, fan_in, fan_out) * init.init_weight);
    if (config.bias) {
      bias = register_parameter("bias", weight_init({out_channels}, init.mode, fan_in, fan_out) * init.init_bias);
    }
  }
  if (config.up || config.down) {
    // The 2-D filter is the outer product of the 1-D one, normalized to sum 1.
    const torch::Tensor f = torch::tensor(config.resample_filter, torch::kFloat32);
    resample_filter = register_buffer("resample_filter", (f.outer(f) / f.sum().square()).unsqueeze(0).unsqueeze(1));
  }
}

torch::Tensor Conv2dImpl::forward(torch::Tensor x) {
  const auto dtype = x.scalar_type();
  const torch::Tensor w = weight.defined() ? weight.to(dtype) : torch::Tensor();
  const torch::Tensor f = resample_filter.defined() ? resample_filter.to(dtype) : torch::Tensor();
  const int64_t w_pad = w.defined() ? w.size(-1) / 2 : 0;
  const int64_t f_pad = f.defined() ? (f.size(-1) - 1) / 2 : 0;
  // Upsampling is a depthwise transposed convolution with 4 f (the filter sums to 1 over
  // 4 output pixels per input pixel); downsampling a depthwise stride-2 convolution.
  if (fused_resample_ && up_ && w.defined()) {
    x = torch::conv_transpose2d(x, f.mul(4).tile({in_channels, 1, 1, 1}), {}, 2, std::max<int64_t>(f_pad - w_pad, 0), 0,
                                in_channels);
    x = torch::conv2d(x, w, {}, 1, std::max<int64_t>(w_pad - f_pad, 0));
  } else if (fused_resample_ && down_ && w.defined()) {
    x = torch::conv2d(x, w, {}, 1, w_pad + f_pad);
    const int64_t no_pad = 0;
    x = torch::conv2d(x, f.tile({out_channels, 1, 1, 1}), {}, 2, no_pad, 1, out_channels);
  } else {
    if (up_) x = torch::conv_transpose2d(x, f.mul(4).tile({in_channels, 1, 1, 1}), {}, 2, f_pad, 0, in_channels);
    if (down_) x = torch::conv2d(x, f.tile({in_channels, 1, 1, 1}), {}, 2, f_pad, 1, in_channels);
    if (w.defined()) x = torch::conv2d(x, w, {}, 1, w_pad);
  }
  return bias.defined() ? x + bias.to(dtype).reshape({1, -1, 1, 1}) : x;
}

GroupNormImpl::GroupNormImpl(int64_t num_channels, int64_t num_groups, int64_t min_channels_per_group, double eps)
    : num_groups_(std::min(num_groups, num_channels / min_channels_per_group)), eps_(eps) {
  weight = register_parameter("weight", torch::ones({num_channels}));
  bias = register_parameter("bias", torch::zeros({num_channels}));
}

torch::Tensor GroupNormImpl::forward(const torch::Tensor& x_in) {
  // After self-attention the activations are channels-last (the reshape of the attention
  // output carries into the convolutions); group_norm's forward-mode derivative (PyTorch
  // 1.13) views its tangent as contiguous and fails on that layout.
  const torch::Tensor x = x_in.contiguous();
  return torch::group_norm(x, num_groups_, weight.to(x.scalar_type()), bias.to(x.scalar_type()), eps_);
}

}  // namespace dact::models::edm
