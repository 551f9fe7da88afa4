#include "models/mar/mar_config.h"

#include <stdexcept>

namespace dact::models {
namespace {

MarConfig sized(int64_t width, int64_t depth, int64_t heads) {
  MarConfig config;
  config.encoder_embed_dim = config.decoder_embed_dim = width;
  config.encoder_depth = config.decoder_depth = depth;
  config.encoder_num_heads = config.decoder_num_heads = heads;
  return config;
}

void require(bool ok, config::ConfigReader& reader, const std::string& key, const std::string& what) {
  if (!ok) throw config::ConfigError("config key '" + reader.key_path(key) + "' " + what);
}

}  // namespace

std::vector<std::string> mar_config_names() { return {"MAR-B", "MAR-L", "MAR-H"}; }

MarConfig mar_named_config(const std::string& name) {
  if (name == "MAR-B") return sized(768, 12, 12);
  if (name == "MAR-L") return sized(1024, 16, 16);
  if (name == "MAR-H") return sized(1280, 20, 16);
  throw std::invalid_argument("unknown MAR preset '" + name + "' (known: MAR-B, MAR-L, MAR-H)");
}

void read_mar_arguments(config::ConfigReader& reader, MarConfig& config) {
  reader.optional("img_size", config.img_size);
  reader.optional("vae_stride", config.vae_stride);
  reader.optional("patch_size", config.patch_size);
  reader.optional("vae_embed_dim", config.vae_embed_dim);
  reader.optional("encoder_embed_dim", config.encoder_embed_dim);
  reader.optional("encoder_depth", config.encoder_depth);
  reader.optional("encoder_num_heads", config.encoder_num_heads);
  reader.optional("decoder_embed_dim", config.decoder_embed_dim);
  reader.optional("decoder_depth", config.decoder_depth);
  reader.optional("decoder_num_heads", config.decoder_num_heads);
  reader.optional("mlp_ratio", config.mlp_ratio);
  reader.optional("mask_ratio_min", config.mask_ratio_min);
  reader.optional("label_drop_prob", config.label_drop_prob);
  reader.optional("class_num", config.class_num);
  reader.optional("buffer_size", config.buffer_size);
  reader.optional("diffloss_d", config.diffloss_d);
  reader.optional("diffloss_w", config.diffloss_w);
  reader.optional("num_sampling_steps", config.num_sampling_steps);
  reader.optional("diffusion_batch_mul", config.diffusion_batch_mul);
}

MarConfig read_mar_network(config::ConfigReader& reader) {
  MarConfig config;
  std::string preset;
  reader.optional("preset", preset);
  if (!preset.empty()) {
    try {
      config = mar_named_config(preset);
    } catch (const std::invalid_argument& e) {
      throw config::ConfigError("config key '" + reader.key_path("preset") + "': " + e.what());
    }
  }
  read_mar_arguments(reader, config);
  require(config.vae_stride >= 1 && config.img_size % config.vae_stride == 0, reader, "img_size",
          "must be a multiple of vae_stride");
  require(config.patch_size >= 1 && config.latent_side() % config.patch_size == 0, reader, "patch_size",
          "must divide img_size / vae_stride");
  require(config.seq_len() >= 1, reader, "img_size", "must give at least one token");
  require(config.encoder_num_heads >= 1 && config.encoder_embed_dim % config.encoder_num_heads == 0, reader,
          "encoder_embed_dim", "must be a multiple of encoder_num_heads");
  require(config.decoder_num_heads >= 1 && config.decoder_embed_dim % config.decoder_num_heads == 0, reader,
          "decoder_embed_dim", "must be a multiple of decoder_num_heads");
  require(config.class_num >= 1, reader, "class_num", "must be at least 1 (MAR is class-conditional)");
  require(config.buffer_size >= 1, reader, "buffer_size", "must be at least 1 (it carries the class)");
  require(config.mask_ratio_min > 0 && config.mask_ratio_min <= 1, reader, "mask_ratio_min", "must be in (0, 1]");
  require(config.label_drop_prob >= 0 && config.label_drop_prob < 1, reader, "label_drop_prob",
          "must be in [0, 1)");
  require(config.diffusion_batch_mul >= 1, reader, "diffusion_batch_mul", "must be at least 1");
  require(config.diffloss_d >= 1 && config.diffloss_w >= 1, reader, "diffloss_d", "and diffloss_w must be >= 1");
  return config;
}

}  // namespace dact::models
