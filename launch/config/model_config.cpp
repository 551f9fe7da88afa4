#include "launch/config/model_config.h"

#include "models/edm2/edm2_configs.h"

namespace dact::launch {

void read_edm2_precond_arguments(config::ConfigReader& reader, models::Edm2PrecondConfig& config) {
  models::Edm2UNetConfig& unet = config.unet;
  models::Edm2BlockConfig& block = unet.block;
  reader.optional("img_resolution", unet.img_resolution);
  reader.optional("img_channels", unet.img_channels);
  reader.optional("label_dim", unet.label_dim);
  // EDM2 runs its U-Net in float16 on CUDA; dact's networks run in float32 only, so
  // `true` would be a setting that does nothing.
  bool use_fp16 = false;
  reader.optional("use_fp16", use_fp16);
  if (use_fp16) {
    throw config::ConfigError("config key '" + reader.key_path("use_fp16") +
                      "': float16 is not supported (dact runs networks in float32); remove the key or set it false");
  }
  reader.optional("sigma_data", config.sigma_data);
  reader.optional("logvar_channels", config.logvar_channels);
  reader.optional("model_channels", unet.model_channels);
  reader.optional("channel_mult", unet.channel_mult);
  reader.optional("channel_mult_noise", unet.channel_mult_noise);
  reader.optional("channel_mult_emb", unet.channel_mult_emb);
  reader.optional("num_blocks", unet.num_blocks);
  reader.optional("attn_resolutions", unet.attn_resolutions);
  reader.optional("label_balance", unet.label_balance);
  reader.optional("concat_balance", unet.concat_balance);
  reader.optional("resample_filter", block.resample_filter);
  reader.optional("channels_per_head", block.channels_per_head);
  reader.optional("dropout", block.dropout);
  reader.optional("res_balance", block.res_balance);
  reader.optional("attn_balance", block.attn_balance);
  reader.optional("clip_act", block.clip_act);
}

void read_dit_arguments(config::ConfigReader& reader, models::DitConfig& config) {
  reader.optional("input_size", config.input_size);
  reader.optional("patch_size", config.patch_size);
  reader.optional("in_channels", config.in_channels);
  reader.optional("hidden_size", config.hidden_size);
  reader.optional("depth", config.depth);
  reader.optional("num_heads", config.num_heads);
  reader.optional("mlp_ratio", config.mlp_ratio);
  reader.optional("class_dropout_prob", config.class_dropout_prob);
  reader.optional("num_classes", config.num_classes);
  reader.optional("learn_sigma", config.learn_sigma);
  reader.optional("use_energy", config.use_energy);
  reader.optional("linear_then_mean", config.linear_then_mean);
  reader.optional("energy_gradient_multiplier", config.energy_gradient_multiplier);
}

ModelConfig parse_model_config(const nlohmann::json& section, const std::string& path) {
  ModelConfig config;
  config::ConfigReader reader(section, path);
  reader.optional("arch", config.arch);
  if (config.arch != "edm2-precond") {
    throw config::ConfigError("config key '" + path + ".arch': unknown architecture '" + config.arch +
                      "' (training supports: edm2-precond)");
  }
  std::string preset;
  reader.optional("preset", preset);
  if (!preset.empty()) {
    try {
      config.edm2 = models::edm2_named_config(preset);
    } catch (const std::invalid_argument& e) {
      throw config::ConfigError("config key '" + path + ".preset': " + e.what());
    }
  }
  read_edm2_precond_arguments(reader, config.edm2);
  reader.finish();
  return config;
}

models::Edm2Precond build_model(const nlohmann::json& section) {
  return models::Edm2Precond(parse_model_config(section, "model").edm2);
}

}  // namespace dact::launch
