#include "models/edm/edm_dhariwal_unet.h"

#include <algorithm>
#include <cmath>

namespace dact::models::edm {
namespace {

std::string adm_resolution_name(int64_t res) { return std::to_string(res) + "x" + std::to_string(res); }

bool adm_has_attention(const DhariwalUNetConfig& config, int64_t res) {
  return std::find(config.attn_resolutions.begin(), config.attn_resolutions.end(), res) !=
         config.attn_resolutions.end();
}

}  // namespace

DhariwalUNetImpl::DhariwalUNetImpl(const DhariwalUNetConfig& config) : config_(config) {
  const int64_t emb_channels = config.model_channels * config.channel_mult_emb;
  const LayerInit init{InitMode::kaiming_uniform, std::sqrt(1.0 / 3), std::sqrt(1.0 / 3)};
  const LayerInit init_zero{InitMode::kaiming_uniform, 0, 0};
  UNetBlockConfig block;
  block.emb_channels = emb_channels;
  block.channels_per_head = 64;
  block.dropout = config.dropout;
  block.init = init;
  block.init_zero = init_zero;

  // Mapping.
  map_noise_ = register_module("map_noise", PositionalEmbedding(config.model_channels));
  if (config.augment_dim != 0) {
    map_augment_ = register_module("map_augment", Linear(config.augment_dim, config.model_channels, false, init_zero));
  }
  map_layer0_ = register_module("map_layer0", Linear(config.model_channels, emb_channels, true, init));
  map_layer1_ = register_module("map_layer1", Linear(emb_channels, emb_channels, true, init));
  if (config.label_dim != 0) {
    const LayerInit label_init{InitMode::kaiming_normal, std::sqrt(static_cast<double>(config.label_dim)), 0};
    map_label_ = register_module("map_label", Linear(config.label_dim, emb_channels, false, label_init));
  }

  auto enc = register_module("enc", std::make_shared<torch::nn::Module>());
  auto dec = register_module("dec", std::make_shared<torch::nn::Module>());
  auto add_block = [&](std::vector<Stage>& stages, torch::nn::Module& parent, const std::string& name,
                       int64_t in_channels, int64_t out_channels, bool up, bool down, bool attention) {
    UNetBlockConfig b = block;
    b.up = up;
    b.down = down;
    b.attention = attention;
    stages.push_back({nullptr, parent.register_module(name, UNetBlock(in_channels, out_channels, b))});
  };

  // Encoder; every entry's output is a skip.
  std::vector<int64_t> skips;
  int64_t cout = config.in_channels;
  for (size_t level = 0; level < config.channel_mult.size(); ++level) {
    const int64_t res = config.img_resolution >> level;
    const std::string r = adm_resolution_name(res);
    if (level == 0) {
      const int64_t cin = cout;
      cout = config.model_channels * config.channel_mult[level];
      Conv2dConfig conv;
      conv.init = init;
      enc_.push_back({enc->register_module(r + "_conv", Conv2d(cin, cout, conv))});
    } else {
      add_block(enc_, *enc, r + "_down", cout, cout, false, true, false);
    }
    skips.push_back(cout);
    for (int64_t idx = 0; idx < config.num_blocks; ++idx) {
      const int64_t cin = cout;
      cout = config.model_channels * config.channel_mult[level];
      add_block(enc_, *enc, r + "_block" + std::to_string(idx), cin, cout, false, false,
                adm_has_attention(config, res));
      skips.push_back(cout);
    }
  }

  // Decoder.
  const size_t levels = config.channel_mult.size();
  for (size_t level = levels; level-- > 0;) {
    const int64_t res = config.img_resolution >> level;
    const std::string r = adm_resolution_name(res);
    if (level == levels - 1) {
      add_block(dec_, *dec, r + "_in0", cout, cout, false, false, true);
      add_block(dec_, *dec, r + "_in1", cout, cout, false, false, false);
    } else {
      add_block(dec_, *dec, r + "_up", cout, cout, true, false, false);
    }
    for (int64_t idx = 0; idx <= config.num_blocks; ++idx) {
      const int64_t cin = cout + skips.back();
      skips.pop_back();
      cout = config.model_channels * config.channel_mult[level];
      add_block(dec_, *dec, r + "_block" + std::to_string(idx), cin, cout, false, false,
                adm_has_attention(config, res));
    }
  }
  out_norm_ = register_module("out_norm", GroupNorm(cout));
  Conv2dConfig out_conv;
  out_conv.init = init_zero;
  out_conv_ = register_module("out_conv", Conv2d(cout, config.out_channels, out_conv));
}

torch::Tensor DhariwalUNetImpl::embedding(const torch::Tensor& noise_labels, const torch::Tensor& class_labels,
                                          const torch::Tensor& augment_labels, int64_t batch) {
  torch::Tensor emb = map_noise_(noise_labels);
  if (map_augment_ && augment_labels.defined()) emb = emb + map_augment_(augment_labels);
  emb = torch::silu(map_layer0_(emb));
  emb = map_layer1_(emb);
  if (map_label_) {
    emb = emb + map_label_(training_label_dropout(class_labels, batch, config_.label_dropout, is_training()));
  }
  return torch::silu(emb);
}

torch::Tensor DhariwalUNetImpl::forward(const torch::Tensor& x_in, const torch::Tensor& noise_labels,
                                        const torch::Tensor& class_labels, const torch::Tensor& augment_labels) {
  const torch::Tensor emb = embedding(noise_labels, class_labels, augment_labels, x_in.size(0));

  torch::Tensor x = x_in;
  std::vector<torch::Tensor> skips;
  for (Stage& stage : enc_) {
    x = stage.block ? stage.block(x, emb) : stage.conv(x);
    skips.push_back(x);
  }

  // A block whose input width differs from x's first takes the next skip.
  for (Stage& stage : dec_) {
    if (x.size(1) != stage.block->in_channels) {
      x = torch::cat({x, skips.back()}, 1);
      skips.pop_back();
    }
    x = stage.block(x, emb);
  }
  return out_conv_(torch::silu(out_norm_(x)));
}

}  // namespace dact::models::edm
