#include "models/autoencoder/kl_autoencoder_config.h"

#include <stdexcept>

namespace dact::models::autoencoder {

std::vector<std::string> kl_autoencoder_config_names() { return {"mar-kl16", "sd-vae"}; }

KlAutoencoderConfig kl_autoencoder_named_config(const std::string& name) {
  KlAutoencoderConfig config;
  if (name == "mar-kl16") {
    // mar/models/vae.py AutoencoderKL(embed_dim=16, ch_mult=(1, 1, 2, 2, 4)): Encoder and
    // Decoder keep their defaults, which differ in attn_resolutions.
    config.decoder_attn_resolutions = std::vector<int64_t>{};
    return config;
  }
  if (name == "sd-vae") {
    // Stable Diffusion v1/v2 first_stage_config (LDM models/first_stage_models/kl-f8).
    config.ch_mult = {1, 2, 4, 4};
    config.attn_resolutions = {};
    config.z_channels = 4;
    config.embed_dim = 4;
    return config;
  }
  std::string known;
  for (const auto& candidate : kl_autoencoder_config_names()) known += (known.empty() ? "" : ", ") + candidate;
  throw std::invalid_argument("unknown KL autoencoder config '" + name + "' (known: " + known + ")");
}

void read_kl_autoencoder_arguments(config::ConfigReader& reader, KlAutoencoderConfig& config) {
  std::string preset;
  reader.optional("preset", preset);
  if (!preset.empty()) {
    try {
      config = kl_autoencoder_named_config(preset);
    } catch (const std::invalid_argument& e) {
      throw config::ConfigError("config key '" + reader.key_path("preset") + "': " + e.what());
    }
  }
  reader.optional("ch", config.ch);
  reader.optional("ch_mult", config.ch_mult);
  reader.optional("num_res_blocks", config.num_res_blocks);
  reader.optional("attn_resolutions", config.attn_resolutions);
  reader.optional("decoder_attn_resolutions", config.decoder_attn_resolutions);
  reader.optional("dropout", config.dropout);
  reader.optional("resamp_with_conv", config.resamp_with_conv);
  reader.optional("resolution", config.resolution);
  reader.optional("in_channels", config.in_channels);
  reader.optional("out_ch", config.out_ch);
  reader.optional("z_channels", config.z_channels);
  reader.optional("double_z", config.double_z);
  reader.optional("embed_dim", config.embed_dim);
  reader.optional("use_variational", config.use_variational);
  validate_kl_autoencoder_config(config, [&reader](const std::string& key) { return reader.key_path(key); });
}

void validate_kl_autoencoder_config(const KlAutoencoderConfig& config,
                                    const std::function<std::string(const std::string&)>& key_path) {
  auto fail = [&key_path](const std::string& key, const std::string& what) {
    throw config::ConfigError("config key '" + key_path(key) + "': " + what);
  };
  // Every width is ch * mult, and every ResnetBlock and AttnBlock normalizes with 32 groups.
  if (config.ch <= 0 || config.ch % 32 != 0) {
    fail("ch", std::to_string(config.ch) + " is not a positive multiple of 32 (GroupNorm with 32 groups)");
  }
  if (config.ch_mult.empty()) fail("ch_mult", "expected at least one level");
  for (const int64_t mult : config.ch_mult) {
    if (mult <= 0) fail("ch_mult", "expected positive multipliers");
  }
  if (config.num_res_blocks < 1) fail("num_res_blocks", "expected at least 1");
  if (config.resolution <= 0 || config.resolution % config.downsampling_factor() != 0) {
    fail("resolution", std::to_string(config.resolution) + " is not a positive multiple of " +
                           std::to_string(config.downsampling_factor()) + " (one halving per level after the first)");
  }
  if (config.in_channels <= 0) fail("in_channels", "expected a positive channel count");
  if (config.output_channels() <= 0) fail("out_ch", "expected a positive channel count");
  if (config.latent_channels() <= 0) fail("z_channels", "expected a positive channel count");
  if (config.embed_dim <= 0) fail("embed_dim", "expected a positive channel count");
  if (config.dropout < 0 || config.dropout >= 1) fail("dropout", "expected a probability in [0, 1)");
  // quant_conv reads 2 * z_channels: LDM's AutoencoderKL asserts ddconfig["double_z"].
  if (!config.double_z) fail("double_z", "must be true: quant_conv reads the encoder's mean and logvar channels");
}

}  // namespace dact::models::autoencoder
