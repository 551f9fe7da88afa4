#include "models/autoencoder/kl_autoencoder_encoder.h"

#include <algorithm>

namespace dact::models::autoencoder {

EncoderImpl::EncoderImpl(const KlAutoencoderConfig& config) {
  conv_in = register_module(
      "conv_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(config.in_channels, config.ch, 3).padding(1)));
  down = register_module("down", torch::nn::ModuleList());
  const auto& attn_resolutions = config.attn_resolutions;
  int64_t resolution = config.resolution;
  int64_t block_in = config.ch;
  const size_t levels = config.ch_mult.size();
  for (size_t level = 0; level < levels; ++level) {
    const int64_t block_out = config.ch * config.ch_mult[level];
    const bool attend =
        std::find(attn_resolutions.begin(), attn_resolutions.end(), resolution) != attn_resolutions.end();
    EncoderLevel stage(block_in, block_out, config.num_res_blocks, attend, config.dropout);
    block_in = block_out;
    if (level + 1 != levels) {
      stage->downsample = stage->register_module("downsample", Downsample(block_in, config.resamp_with_conv));
      resolution /= 2;
    }
    down->push_back(stage);
  }
  mid = register_module("mid", MidBlock(block_in, config.dropout));
  norm_out = register_module("norm_out", normalization(block_in));
  // Mean and log-variance channels (double_z), split by the posterior.
  conv_out = register_module(
      "conv_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(block_in, 2 * config.latent_channels(), 3).padding(1)));
}

torch::Tensor EncoderImpl::forward(const torch::Tensor& images) {
  torch::Tensor h = conv_in->forward(images);
  for (const auto& module : *down) {
    auto& stage = *module->as<EncoderLevelImpl>();
    h = stage.forward_blocks(h);
    if (stage.downsample) h = stage.downsample->forward(h);
  }
  h = mid->forward(h);
  return conv_out->forward(swish(norm_out->forward(h)));
}

}  // namespace dact::models::autoencoder
