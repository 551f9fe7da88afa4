#include "models/edm2/edm2_unet.h"

#include <algorithm>
#include <cmath>

#include "models/edm2/edm2_mp_ops.h"

namespace dact::models {
namespace {

std::string resolution_name(int64_t res) {
  return std::to_string(res) + "x" + std::to_string(res);
}

bool contains(const std::vector<int64_t>& values, int64_t value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

Edm2UNetImpl::Edm2UNetImpl(const Edm2UNetConfig& config) : config_(config) {
  std::vector<int64_t> cblock;
  for (const int64_t mult : config.channel_mult) cblock.push_back(config.model_channels * mult);
  const int64_t cnoise = config.channel_mult_noise
                             ? config.model_channels * *config.channel_mult_noise
                             : cblock.front();
  const int64_t cemb = config.channel_mult_emb ? config.model_channels * *config.channel_mult_emb
                                               : *std::max_element(cblock.begin(), cblock.end());
  const Edm2BlockConfig& bc = config.block;
  out_gain_ = register_parameter("out_gain", torch::zeros({}));

  // Embedding.
  emb_fourier_ = register_module("emb_fourier", MPFourier(cnoise));
  emb_noise_ = register_module("emb_noise", MPConv(cnoise, cemb, std::vector<int64_t>{}));
  if (config.label_dim != 0) {
    emb_label_ = register_module("emb_label", MPConv(config.label_dim, cemb, std::vector<int64_t>{}));
  }

  // Encoder.
  auto enc = register_module("enc", std::make_shared<torch::nn::Module>());
  std::vector<int64_t> skips;
  auto add_enc_block = [&](const std::string& name, Edm2Block block) {
    skips.push_back(block->out_channels);
    enc_.push_back({name, nullptr, enc->register_module(name, block)});
  };
  int64_t cout = config.img_channels + 1;
  for (size_t level = 0; level < cblock.size(); ++level) {
    const int64_t res = config.img_resolution >> level;
    const std::string r = resolution_name(res);
    if (level == 0) {
      const int64_t cin = cout;
      cout = cblock[level];
      MPConv conv = enc->register_module(r + "_conv", MPConv(cin, cout, std::vector<int64_t>{3, 3}));
      skips.push_back(cout);
      enc_.push_back({r + "_conv", conv, nullptr});
    } else {
      add_enc_block(r + "_down", Edm2Block(cout, cout, cemb, BlockFlavor::enc, ResampleMode::down, false, bc));
    }
    for (int64_t idx = 0; idx < config.num_blocks; ++idx) {
      const int64_t cin = cout;
      cout = cblock[level];
      add_enc_block(r + "_block" + std::to_string(idx),
                    Edm2Block(cin, cout, cemb, BlockFlavor::enc, ResampleMode::keep,
                              contains(config.attn_resolutions, res), bc));
    }
  }

  // Decoder.
  auto dec = register_module("dec", std::make_shared<torch::nn::Module>());
  auto add_dec_block = [&](const std::string& name, Edm2Block block) {
    dec_.push_back({name, nullptr, dec->register_module(name, block)});
  };
  for (size_t level = cblock.size(); level-- > 0;) {
    const int64_t res = config.img_resolution >> level;
    const std::string r = resolution_name(res);
    if (level == cblock.size() - 1) {
      add_dec_block(r + "_in0", Edm2Block(cout, cout, cemb, BlockFlavor::dec, ResampleMode::keep, true, bc));
      add_dec_block(r + "_in1", Edm2Block(cout, cout, cemb, BlockFlavor::dec, ResampleMode::keep, false, bc));
    } else {
      add_dec_block(r + "_up", Edm2Block(cout, cout, cemb, BlockFlavor::dec, ResampleMode::up, false, bc));
    }
    for (int64_t idx = 0; idx <= config.num_blocks; ++idx) {
      const int64_t cin = cout + skips.back();
      skips.pop_back();
      cout = cblock[level];
      add_dec_block(r + "_block" + std::to_string(idx),
                    Edm2Block(cin, cout, cemb, BlockFlavor::dec, ResampleMode::keep,
                              contains(config.attn_resolutions, res), bc));
    }
  }
  out_conv_ = register_module("out_conv", MPConv(cout, config.img_channels, std::vector<int64_t>{3, 3}));
}

torch::Tensor Edm2UNetImpl::forward(const torch::Tensor& x_in, const torch::Tensor& noise_labels,
                                    const torch::Tensor& class_labels) {
  // Embedding.
  torch::Tensor emb = emb_noise_(emb_fourier_(noise_labels));
  if (emb_label_) {
    const double scale = std::sqrt(static_cast<double>(class_labels.size(1)));
    emb = mp_sum(emb, emb_label_(class_labels * scale), config_.label_balance);
  }
  emb = mp_silu(emb);

  // Encoder.
  torch::Tensor x = torch::cat({x_in, torch::ones_like(x_in.slice(1, 0, 1))}, 1);
  std::vector<torch::Tensor> skips;
  for (Stage& stage : enc_) {
    x = stage.conv ? stage.conv(x) : stage.block(x, emb);
    skips.push_back(x);
  }

  // Decoder: every block<i> first concatenates the matching encoder output.
  for (Stage& stage : dec_) {
    if (stage.name.find("block") != std::string::npos) {
      x = mp_cat(x, skips.back(), 1, config_.concat_balance);
      skips.pop_back();
    }
    x = stage.block(x, emb);
  }
  return out_conv_(x, out_gain_);
}

}  // namespace dact::models
