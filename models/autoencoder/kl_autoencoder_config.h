#pragma once
// Sizes of LDM's KL autoencoder (Rombach et al. 2022; CompVis/latent-diffusion
// ldm/modules/diffusionmodules/model.py Encoder/Decoder and ldm/models/autoencoder.py
// AutoencoderKL) as MAR ships it (LTH14/mar models/vae.py). Keys are the reference's
// ddconfig names, plus embed_dim and MAR's use_variational.
//
//   {"ch": 128, "ch_mult": [1, 2, 4, 4], "num_res_blocks": 2, "attn_resolutions": [],
//    "resolution": 256, "in_channels": 3, "out_ch": 3, "z_channels": 4, "embed_dim": 4}
//
// is Stable Diffusion's VAE (also the preset "sd-vae"); {"preset": "mar-kl16"} is the
// KL-16 autoencoder MAR encodes ImageNet with.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config_reader.h"

namespace dact::models::autoencoder {

struct KlAutoencoderConfig {
  // Defaults are LDM's Encoder defaults (those MAR's AutoencoderKL keeps).
  int64_t ch = 128;
  std::vector<int64_t> ch_mult{1, 1, 2, 2, 4};  // one level per entry; all but the last downsample x2
  int64_t num_res_blocks = 2;                   // per encoder level; the decoder has one more
  std::vector<int64_t> attn_resolutions{16};    // feature-map sizes that get an AttnBlock per ResnetBlock
  // LDM passes one ddconfig to both halves; MAR's AutoencoderKL gives the Decoder its
  // default () instead, so its decoder has attention only in the middle. Absent: as
  // attn_resolutions.
  std::optional<std::vector<int64_t>> decoder_attn_resolutions;
  double dropout = 0.0;          // inside each ResnetBlock (training only)
  bool resamp_with_conv = true;  // false: average-pool down, plain nearest up
  int64_t resolution = 256;      // input size; decides where attn_resolutions apply
  int64_t in_channels = 3;
  std::optional<int64_t> out_ch;      // absent: in_channels
  std::optional<int64_t> z_channels;  // encoder output / decoder input; absent: embed_dim (MAR)
  bool double_z = true;               // the encoder emits mean and logvar (LDM requires it)
  int64_t embed_dim = 16;             // latent channels between quant_conv and post_quant_conv
  bool use_variational = true;        // MAR: false = no logvar channels (logvar reads 1)

  int64_t output_channels() const { return out_ch.value_or(in_channels); }
  int64_t latent_channels() const { return z_channels.value_or(embed_dim); }
  const std::vector<int64_t>& decoder_attention() const {
    return decoder_attn_resolutions ? *decoder_attn_resolutions : attn_resolutions;
  }
  // Spatial downsampling factor, 2^(levels - 1) (8 for SD's VAE, 16 for MAR's KL-16).
  int64_t downsampling_factor() const { return int64_t{1} << (ch_mult.size() - 1); }
};

// Reads the keys above from `reader` onto `config` (absent keys keep their value;
// "preset" first replaces the whole config by a named one); does not call finish().
// Throws config::ConfigError naming the key for values the network cannot be built
// with (see validate_kl_autoencoder_config).
void read_kl_autoencoder_arguments(config::ConfigReader& reader, KlAutoencoderConfig& config);

// Throws config::ConfigError unless every channel count fits GroupNorm(32), the
// resolution halves evenly at every level and double_z holds. `key_path` turns a key
// into the name the error shows (ConfigReader::key_path when read from a file).
void validate_kl_autoencoder_config(
    const KlAutoencoderConfig& config,
    const std::function<std::string(const std::string&)>& key_path = [](const std::string& key) { return key; });

// "mar-kl16" (LTH14/mar: embed_dim 16, ch_mult [1,1,2,2,4], attention at 16 in the
// encoder only), "sd-vae" (Stable Diffusion / LDM kl-f8: 4 latent channels,
// ch_mult [1,2,4,4], no attention outside the middle). Unknown names throw
// std::invalid_argument listing the known ones.
KlAutoencoderConfig kl_autoencoder_named_config(const std::string& name);
std::vector<std::string> kl_autoencoder_config_names();

}  // namespace dact::models::autoencoder
