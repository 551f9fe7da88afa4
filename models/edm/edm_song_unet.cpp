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

Conv2dConfig song_conv(int64_t kernel, const LayerInit& init) {
  Conv2dConfig conv;
  conv.kernel = kernel;
  conv.init = init;
  return conv;
}

// Kernel 0: resampling only. up = false: downsampling.
Conv2dConfig song_resampling_conv(int64_t kernel, bool up, const std::vector<double>& filter, bool fused,
                                  const LayerInit& init) {
  Conv2dConfig conv = song_conv(kernel, init);
  conv.up = up;
  conv.down = !up;
  conv.resample_filter = filter;
  conv.fused_resample = fused;
  return conv;
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

  auto enc = register_module("enc", std::make_shared<torch::nn::Module>());
  auto dec = register_module("dec", std::make_shared<torch::nn::Module>());
  auto add_block = [&](std::vector<Stage>& stages, torch::nn::Module& parent, const std::string& name,
                       int64_t in_channels, int64_t out_channels, bool up, bool down, bool attention) {
    UNetBlockConfig b = block;
    b.up = up;
    b.down = down;
    b.attention = attention;
    stages.push_back(
        {StageRole::block, nullptr, parent.register_module(name, UNetBlock(in_channels, out_channels, b))});
  };
  auto add_conv = [](std::vector<Stage>& stages, torch::nn::Module& parent, StageRole role, const std::string& name,
                     int64_t in_channels, int64_t out_channels, const Conv2dConfig& conv) {
    stages.push_back({role, parent.register_module(name, Conv2d(in_channels, out_channels, conv))});
  };

  // Encoder. The auxiliary path carries the (resampled) input image for the skip and
  // residual encoders; skips collect the outputs of the non-auxiliary entries.
  std::vector<int64_t> skips;
  int64_t cout = config.in_channels, caux = config.in_channels;
  for (size_t level = 0; level < config.channel_mult.size(); ++level) {
    const int64_t res = config.img_resolution >> level;
    const std::string r = song_resolution_name(res);
    if (level == 0) {
      const int64_t cin = cout;
      cout = config.model_channels;
      add_conv(enc_, *enc, StageRole::conv, r + "_conv", cin, cout, song_conv(3, init));
      skips.push_back(cout);
    } else {
      add_block(enc_, *enc, r + "_down", cout, cout, false, true, false);
      skips.push_back(cout);
      if (config.encoder_type == EncoderType::skip) {
        add_conv(enc_, *enc, StageRole::aux_down, r + "_aux_down", caux, caux,
                 song_resampling_conv(0, false, config.resample_filter, false, LayerInit{}));
        add_conv(enc_, *enc, StageRole::aux_skip, r + "_aux_skip", caux, cout, song_conv(1, init));
      }
      if (config.encoder_type == EncoderType::residual) {
        add_conv(enc_, *enc, StageRole::aux_residual, r + "_aux_residual", caux, cout,
                 song_resampling_conv(3, false, config.resample_filter, true, init));
        caux = cout;
      }
    }
    for (int64_t idx = 0; idx < config.num_blocks; ++idx) {
      const int64_t cin = cout;
      cout = config.model_channels * config.channel_mult[level];
      add_block(enc_, *enc, r + "_block" + std::to_string(idx), cin, cout, false, false,
                song_has_attention(config, res));
      skips.push_back(cout);
    }
  }

  // Decoder. With decoder_type skip every level adds its own output image to the
  // upsampled one of the level below; standard has that only at full resolution.
  const size_t levels = config.channel_mult.size();
  for (size_t level = levels; level-- > 0;) {
    const int64_t res = config.img_resolution >> level;
    const std::string r = song_resolution_name(res);
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
                idx == config.num_blocks && song_has_attention(config, res));
    }
    if (config.decoder_type == DecoderType::skip || level == 0) {
      if (config.decoder_type == DecoderType::skip && level < levels - 1) {
        add_conv(dec_, *dec, StageRole::aux_up, r + "_aux_up", config.out_channels, config.out_channels,
                 song_resampling_conv(0, true, config.resample_filter, false, LayerInit{}));
      }
      dec_.push_back(
          {StageRole::aux_norm, nullptr, nullptr, dec->register_module(r + "_aux_norm", GroupNorm(cout, 32, 4, 1e-6))});
      add_conv(dec_, *dec, StageRole::aux_conv, r + "_aux_conv", cout, config.out_channels, song_conv(3, init_zero));
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
