#include "models/autoencoder/kl_autoencoder_blocks.h"

#include <cmath>

namespace dact::models::autoencoder {
namespace {

torch::nn::Conv2d conv_layer(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                         int64_t padding) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in_channels, out_channels, kernel).stride(stride).padding(padding));
}

}  // namespace

torch::Tensor swish(const torch::Tensor& x) { return x * torch::sigmoid(x); }

torch::nn::GroupNorm normalization(int64_t channels) {
  return torch::nn::GroupNorm(torch::nn::GroupNormOptions(32, channels).eps(1e-6).affine(true));
}

ResnetBlockImpl::ResnetBlockImpl(int64_t in_channels, int64_t out_channels, double dropout_p) {
  norm1 = register_module("norm1", normalization(in_channels));
  conv1 = register_module("conv1", conv_layer(in_channels, out_channels, 3, 1, 1));
  norm2 = register_module("norm2", normalization(out_channels));
  dropout = register_module("dropout", torch::nn::Dropout(dropout_p));
  conv2 = register_module("conv2", conv_layer(out_channels, out_channels, 3, 1, 1));
  if (in_channels != out_channels) {
    nin_shortcut = register_module("nin_shortcut", conv_layer(in_channels, out_channels, 1, 1, 0));
  }
}

torch::Tensor ResnetBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = conv1->forward(swish(norm1->forward(x)));
  h = conv2->forward(dropout->forward(swish(norm2->forward(h))));
  return (nin_shortcut ? nin_shortcut->forward(x) : x) + h;
}

AttnBlockImpl::AttnBlockImpl(int64_t channels) {
  norm = register_module("norm", normalization(channels));
  q = register_module("q", conv_layer(channels, channels, 1, 1, 0));
  k = register_module("k", conv_layer(channels, channels, 1, 1, 0));
  v = register_module("v", conv_layer(channels, channels, 1, 1, 0));
  proj_out = register_module("proj_out", conv_layer(channels, channels, 1, 1, 0));
}

torch::Tensor AttnBlockImpl::forward(const torch::Tensor& x) {
  const torch::Tensor h = norm->forward(x);
  const int64_t b = x.size(0), c = x.size(1), height = x.size(2), width = x.size(3);
  // The reference's order of operations: w[b, i, j] = sum_c q[b, i, c] k[b, c, j] / sqrt(c),
  // softmax over the keys j, then out[b, c, i] = sum_j v[b, c, j] w[b, i, j].
  const torch::Tensor queries = q->forward(h).reshape({b, c, height * width}).permute({0, 2, 1});
  const torch::Tensor keys = k->forward(h).reshape({b, c, height * width});
  const torch::Tensor weights =
      torch::softmax(torch::bmm(queries, keys) * std::pow(static_cast<double>(c), -0.5), 2);
  const torch::Tensor values = v->forward(h).reshape({b, c, height * width});
  const torch::Tensor attended = torch::bmm(values, weights.permute({0, 2, 1})).reshape({b, c, height, width});
  return x + proj_out->forward(attended);
}

DownsampleImpl::DownsampleImpl(int64_t channels, bool with_conv) {
  if (with_conv) conv = register_module("conv", conv_layer(channels, channels, 3, 2, 0));
}

torch::Tensor DownsampleImpl::forward(const torch::Tensor& x) {
  if (!conv) return torch::avg_pool2d(x, 2, 2);
  return conv->forward(torch::constant_pad_nd(x, {0, 1, 0, 1}, 0));
}

UpsampleImpl::UpsampleImpl(int64_t channels, bool with_conv) {
  if (with_conv) conv = register_module("conv", conv_layer(channels, channels, 3, 1, 1));
}

torch::Tensor UpsampleImpl::forward(const torch::Tensor& x) {
  const torch::Tensor up = torch::nn::functional::interpolate(
      x, torch::nn::functional::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(
             torch::kNearest));
  return conv ? conv->forward(up) : up;
}

MidBlockImpl::MidBlockImpl(int64_t channels, double dropout) {
  block_1 = register_module("block_1", ResnetBlock(channels, channels, dropout));
  attn_1 = register_module("attn_1", AttnBlock(channels));
  block_2 = register_module("block_2", ResnetBlock(channels, channels, dropout));
}

torch::Tensor MidBlockImpl::forward(const torch::Tensor& x) {
  return block_2->forward(attn_1->forward(block_1->forward(x)));
}

ResolutionLevelImpl::ResolutionLevelImpl(int64_t block_in, int64_t block_out, int64_t num_blocks, bool attend,
                                         double dropout) {
  block = register_module("block", torch::nn::ModuleList());
  attn = register_module("attn", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_blocks; ++i) {
    block->push_back(ResnetBlock(i == 0 ? block_in : block_out, block_out, dropout));
    if (attend) attn->push_back(AttnBlock(block_out));
  }
}

torch::Tensor ResolutionLevelImpl::forward_blocks(torch::Tensor h) {
  for (size_t i = 0; i < block->size(); ++i) {
    h = block[i]->as<ResnetBlockImpl>()->forward(h);
    if (!attn->is_empty()) h = attn[i]->as<AttnBlockImpl>()->forward(h);
  }
  return h;
}

}  // namespace dact::models::autoencoder
