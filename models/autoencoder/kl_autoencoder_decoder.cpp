#include "models/autoencoder/kl_autoencoder_decoder.h"

#include <algorithm>
#include <vector>

namespace dact::models::autoencoder {

DecoderImpl::DecoderImpl(const KlAutoencoderConfig& config) {
  const int64_t levels = static_cast<int64_t>(config.ch_mult.size());
  int64_t block_in = config.ch * config.ch_mult.back();
  int64_t resolution = config.resolution / config.downsampling_factor();
  conv_in = register_module(
      "conv_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(config.latent_channels(), block_in, 3).padding(1)));
  mid = register_module("mid", MidBlock(block_in, config.dropout));

  // Built from the lowest resolution up (widths flow that way), registered by level.
  const auto& attn_resolutions = config.decoder_attention();
  std::vector<DecoderLevel> stages(levels, nullptr);
  for (int64_t level = levels - 1; level >= 0; --level) {
    const int64_t block_out = config.ch * config.ch_mult[level];
    const bool attend =
        std::find(attn_resolutions.begin(), attn_resolutions.end(), resolution) != attn_resolutions.end();
    DecoderLevel stage(block_in, block_out, config.num_res_blocks + 1, attend, config.dropout);
    block_in = block_out;
    if (level != 0) {
      stage->upsample = stage->register_module("upsample", Upsample(block_in, config.resamp_with_conv));
      resolution *= 2;
    }
    stages[level] = stage;
  }
  up = register_module("up", torch::nn::ModuleList());
  for (const auto& stage : stages) up->push_back(stage);

  norm_out = register_module("norm_out", normalization(block_in));
  conv_out = register_module(
      "conv_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(block_in, config.output_channels(), 3).padding(1)));
}

torch::Tensor DecoderImpl::forward(const torch::Tensor& z) {
  torch::Tensor h = mid->forward(conv_in->forward(z));
  for (int64_t level = static_cast<int64_t>(up->size()) - 1; level >= 0; --level) {
    auto& stage = *up[level]->as<DecoderLevelImpl>();
    h = stage.forward_blocks(h);
    if (stage.upsample) h = stage.upsample->forward(h);
  }
  return conv_out->forward(swish(norm_out->forward(h)));
}

}  // namespace dact::models::autoencoder
