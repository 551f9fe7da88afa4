#include "models/edm/edm_song_unet.h"

#include <algorithm>
#include <cmath>

namespace dact::models::edm {
namespace {

std::string song_resolution_name(int64_t res) { return std::to_string(res) + "x" + std::to_string(res); }

bool song_has_attention(const SongUNetConfig& config, int64_t res) {
  return std::find(config.attn_resolutions.begin(), config.attn_resolutions.end(), res) !=
         config.attn_resolutions.end();
}

}  // namespace

SongUNetImpl::SongUNetImpl(const SongUNetConfig& config) : config_(config) {
  const int64_t emb_channels = config.model_channels * config.channel_mult_emb;
  const int64_t noise_channels = config.model_channels * config.channel_mult_noise;
  const LayerInit init{InitMode::xavier_uniform, 1, 0};
  const LayerInit init_zero{InitMode::xavier_uniform, 1e-5, 0};
  const LayerInit init_attn{InitMode::xavier_uniform, std::sqrt(0.2), 0};
  UNetBlockConfig block;
  block.emb_channels = emb_channels;
  block.num_heads = 1;
  block.dropout = config.dropout;
  block.skip_scale = std::sqrt(0.5);
  block.eps = 1e-6;
  block.resample_filter = config.resample_filter;
  block.resample_proj = true;
  block.adaptive_scale = false;
  block.init = init;
  block.init_zero = init_zero;
  block.init_attn = init_attn;
  auto block_with = [&block](bool up, bool down, bool attention) {
    UNetBlockConfig b = block;
    b.up = up;
    b.down = down;
    b.attention = attention;
    return b;
  };
  auto conv_with = [](int64_t kernel, bool up, bool down, const std::vector<double>& filter, bool fused,
                      const LayerInit& layer_init) {
    Conv2dConfig c;
    c.kernel = kernel;
    c.up = up;
    c.down = down;
    c.resample_filter = filter;
    c.fused_resample = fused;
    c.init = layer_init;
    return c;
  };
  const std::vector<double> no_filter{1, 1};  // unused by layers that do not resample

  // Mapping.
  if (config.embedding_type == EmbeddingType::positional) {
    map_noise_positional_ = register_module("map_noise", PositionalEmbedding(noise_channels, 10000, true));
  } else {
    map_noise_fourier_ = register_module("map_noise", FourierEmbedding(noise_channels));
  }
  if (config.label_dim != 0) {
    map_label_ = register_module("map_label", Linear(config.label_dim, noise_channels, true, init));
  }
  if (config.augment_dim != 0) {
    map_augment_ = register_module("map_augment", Linear(config.augment_dim, noise_channels, false, init));
  }
  map_layer0_ = register_module("map_layer0", Linear(noise_channels, emb_channels, true, init));
  map_layer1_ = register_module("map_layer1", Linear(emb_channels, emb_channels, true, init));

  // Encoder. The auxiliary path carries the (resampled) input image for the skip and
  // residual encoders; skips collect the outputs of the non-auxiliary entries.
  auto enc = register_module("enc", std::make_shared<torch::nn::Module>());
  std::vector<int64_t> skips;
  int64_t cout = config.in_channels, caux = config.in_channels;
  for (size_t level = 0; level < config.channel_mult.size(); ++level) {
    const int64_t res = config.img_resolution >> level;
    const std::string r = song_resolution_name(res);
    if (level == 0) {
      const int64_t cin = cout;
      cout = config.model_channels;
      enc_.push_back({StageRole::conv, enc->register_module(r + "_conv", Conv2d(cin, cout, conv_with(3, false, false, no_filter, false, init)))});
      skips.push_back(cout);
    } else {
      enc_.push_back({StageRole::block, nullptr, enc->register_module(r + "_down", UNetBlock(cout, cout, block_with(false, true, false)))});
      skips.push_back(cout);
      if (config.encoder_type == EncoderType::skip) {
        enc_.push_back({StageRole::aux_down, enc->register_module(r + "_aux_down", Conv2d(caux, caux, conv_with(0, false, true, config.resample_filter, false, LayerInit{})))});
        enc_.push_back({StageRole::aux_skip, enc->register_module(r + "_aux_skip", Conv2d(caux, cout, conv_with(1, false, false, no_filter, false, init)))});
      }
      if (config.encoder_type == EncoderType::residual) {
        enc_.push_back({StageRole::aux_residual, enc->register_module(r + "_aux_residual", Conv2d(caux, cout, conv_with(3, false, true, config.resample_filter, true, init)))});
        caux = cout;
      }
    }
    for (int64_t idx = 0; idx < config.num_blocks; ++idx) {
      const int64_t cin = cout;
      cout = config.model_channels * config.channel_mult[level];
      enc_.push_back({StageRole::block, nullptr, enc->register_module(r + "_block" + std::to_string(idx), UNetBlock(cin, cout, block_with(false, false, song_has_attention(config, res))))});
      skips.push_back(cout);
    }
  }

  // Decoder. With decoder_type skip every level adds its own output image to the
  // upsampled one of the level below; standard has that only at full resolution.
  auto dec = register_module("dec", std::make_shared<torch::nn::Module>());
  const size_t levels = config.channel_mult.size();
  for (size_t level = levels; level-- > 0;) {
    const int64_t res = config.img_resolution >> level;
    const std::string r = song_resolution_name(res);
    if (level == levels - 1) {
      dec_.push_back({StageRole::block, nullptr, dec->register_module(r + "_in0", UNetBlock(cout, cout, block_with(false, false, true)))});
      dec_.push_back({StageRole::block, nullptr, dec->register_module(r + "_in1", UNetBlock(cout, cout, block_with(false, false, false)))});
    } else {
      dec_.push_back({StageRole::block, nullptr, dec->register_module(r + "_up", UNetBlock(cout, cout, block_with(true, false, false)))});
    }
    for (int64_t idx = 0; idx <= config.num_blocks; ++idx) {
      const int64_t cin = cout + skips.back();
      skips.pop_back();
      cout = config.model_channels * config.channel_mult[level];
      const bool attention = idx == config.num_blocks && song_has_attention(config, res);
      dec_.push_back({StageRole::block, nullptr, dec->register_module(r + "_block" + std::to_string(idx), UNetBlock(cin, cout, block_with(false, false, attention)))});
    }
    if (config.decoder_type == DecoderType::skip || level == 0) {
      if (config.decoder_type == DecoderType::skip && level < levels - 1) {
        dec_.push_back({StageRole::aux_up, dec->register_module(r + "_aux_up", Conv2d(config.out_channels, config.out_channels, conv_with(0, true, false, config.resample_filter, false, LayerInit{})))});
      }
      dec_.push_back({StageRole::aux_norm, nullptr, nullptr, dec->register_module(r + "_aux_norm", GroupNorm(cout, 32, 4, 1e-6))});
      dec_.push_back({StageRole::aux_conv, dec->register_module(r + "_aux_conv", Conv2d(cout, config.out_channels, conv_with(3, false, false, no_filter, false, init_zero)))});
    }
  }
}

torch::Tensor SongUNetImpl::embedding(const torch::Tensor& noise_labels, const torch::Tensor& class_labels,
                                      const torch::Tensor& augment_labels, int64_t batch) {
  torch::Tensor emb = map_noise_positional_ ? map_noise_positional_(noise_labels) : map_noise_fourier_(noise_labels);
  // Song et al.'s order is [sin, cos]; the embeddings return [cos, sin].
  emb = emb.reshape({emb.size(0), 2, -1}).flip(1).reshape(emb.sizes());
  if (map_label_) {
    const torch::Tensor labels = training_label_dropout(class_labels, batch, config_.label_dropout, is_training());
    // Scaled so that a one-hot label has unit mean square, like the other inputs.
    emb = emb + map_label_(labels * std::sqrt(static_cast<double>(map_label_->in_features)));
  }
  if (map_augment_ && augment_labels.defined()) emb = emb + map_augment_(augment_labels);
  emb = torch::silu(map_layer0_(emb));
  return torch::silu(map_layer1_(emb));
}

torch::Tensor SongUNetImpl::forward(const torch::Tensor& x_in, const torch::Tensor& noise_labels,
                                    const torch::Tensor& class_labels, const torch::Tensor& augment_labels) {
  const torch::Tensor emb = embedding(noise_labels, class_labels, augment_labels, x_in.size(0));

  // Encoder.
  torch::Tensor x = x_in, aux = x_in;
  std::vector<torch::Tensor> skips;
  for (Stage& stage : enc_) {
    switch (stage.role) {
      case StageRole::aux_down:
        aux = stage.conv(aux);
        break;
      case StageRole::aux_skip:
        x = skips.back() = x + stage.conv(aux);
        break;
      case StageRole::aux_residual:
        x = skips.back() = aux = (x + stage.conv(aux)) / std::sqrt(2.0);
        break;
      default:
        x = stage.block ? stage.block(x, emb) : stage.conv(x);
        skips.push_back(x);
    }
  }

  // Decoder: a block whose input width differs from x's first takes the next skip.
  torch::Tensor out, tmp;
  for (Stage& stage : dec_) {
    switch (stage.role) {
      case StageRole::aux_up:
        out = stage.conv(out);
        break;
      case StageRole::aux_norm:
        tmp = stage.norm(x);
        break;
      case StageRole::aux_conv:
        tmp = stage.conv(torch::silu(tmp));
        out = out.defined() ? tmp + out : tmp;
        break;
      default:
        if (x.size(1) != stage.block->in_channels) {
          x = torch::cat({x, skips.back()}, 1);
          skips.pop_back();
        }
        x = stage.block(x, emb);
    }
  }
  return out;
}

}  // namespace dact::models::edm
