#pragma once
// MAR's constructor arguments (Li et al. 2024, "Autoregressive Image Generation without
// Vector Quantization"; LTH14/mar models/mar.py), keyed as the reference constructor,
// and the named sizes MAR-B/L/H. Dropout (attn_dropout, proj_dropout) and gradient
// checkpointing are not supported: the keys are unknown, so configs naming them fail.
#include <cstdint>
#include <string>
#include <vector>

#include "config/config_reader.h"

namespace dact::models {

struct MarConfig {
  int64_t img_size = 256;    // image side; img_size / vae_stride = the latent side
  int64_t vae_stride = 16;   // 1 for pixels
  int64_t patch_size = 1;    // latent pixels per token side
  int64_t vae_embed_dim = 16;  // latent (or pixel) channels
  int64_t encoder_embed_dim = 1024;
  int64_t encoder_depth = 16;
  int64_t encoder_num_heads = 16;
  int64_t decoder_embed_dim = 1024;
  int64_t decoder_depth = 16;
  int64_t decoder_num_heads = 16;
  double mlp_ratio = 4.0;
  double mask_ratio_min = 0.7;   // the truncated normal's lower end (centre 1, std 0.25)
  double label_drop_prob = 0.1;  // training: class embedding -> fake_latent
  int64_t class_num = 1000;
  int64_t buffer_size = 64;  // leading tokens that carry the class embedding
  int64_t diffloss_d = 3;    // DiffLoss MLP residual blocks
  int64_t diffloss_w = 1024;  // ... and width
  std::string num_sampling_steps = "100";  // the reference's DiffLoss respacing (dact: --steps)
  int64_t diffusion_batch_mul = 4;  // DiffLoss copies of each token, each with its own t

  int64_t seq_side() const { return img_size / vae_stride / patch_size; }
  int64_t seq_len() const { return seq_side() * seq_side(); }
  int64_t latent_side() const { return img_size / vae_stride; }
  int64_t token_embed_dim() const { return vae_embed_dim * patch_size * patch_size; }
};

// "MAR-B", "MAR-L", "MAR-H" (mar_base / mar_large / mar_huge: widths 768 / 1024 /
// 1280, depths 12 / 16 / 20 per half, 12 / 16 / 16 heads; other fields at defaults).
// Unknown names throw std::invalid_argument listing the known ones.
MarConfig mar_named_config(const std::string& name);
std::vector<std::string> mar_config_names();

// Reads the arguments present onto `config`; does not call finish().
void read_mar_arguments(config::ConfigReader& reader, MarConfig& config);

// A family's network section: "preset" then the arguments; checks that the image
// splits into whole tokens and the widths into whole heads (ConfigError naming the key).
MarConfig read_mar_network(config::ConfigReader& reader);

}  // namespace dact::models
