#include "models/dit/dit_arguments.h"

#include <stdexcept>

namespace dact::models {

void read_dit_arguments(config::ConfigReader& reader, DitConfig& config) {
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
  reader.choice("positions", config.positions,
                {{"sincos", DitPositions::absolute_sincos}, {"rope", DitPositions::rope}});
  reader.choice("mlp", config.mlp, {{"gelu", DitMlpKind::gelu_tanh}, {"swiglu", DitMlpKind::swiglu}});
}

DitConfig read_dit_network(config::ConfigReader& reader, bool energy) {
  DitConfig config;
  std::string preset;
  reader.optional("preset", preset);
  if (!preset.empty()) {
    try {
      config = dit_named_config(preset);
    } catch (const std::invalid_argument& e) {
      throw config::ConfigError("config key '" + reader.key_path("preset") + "': " + e.what());
    }
  }
  if (energy) {
    // The seed's energy DiT predicts eps alone (learn_sigma False).
    config.use_energy = true;
    config.learn_sigma = false;
  }
  read_dit_arguments(reader, config);
  if (energy && (!config.use_energy || config.learn_sigma)) {
    throw config::ConfigError("config key '" + reader.key_path(config.use_energy ? "learn_sigma" : "use_energy") +
                              "': the energy family's DiT has use_energy true and learn_sigma false");
  }
  if (!energy && config.use_energy) {
    throw config::ConfigError("config key '" + reader.key_path("use_energy") +
                              "': energy DiTs train as their own family, not this one");
  }
  if (config.patch_size < 1 || config.input_size % config.patch_size != 0) {
    throw config::ConfigError("config key '" + reader.key_path("input_size") + "' (" +
                              std::to_string(config.input_size) + ") must be a multiple of patch_size (" +
                              std::to_string(config.patch_size) + ")");
  }
  if (config.num_classes < 0) {
    throw config::ConfigError("config key '" + reader.key_path("num_classes") + "' must be at least 0");
  }
  if (config.num_classes == 0) {
    // Unconditional: no labels to drop, so no null class and no guidance.
    if (reader.has("class_dropout_prob") && config.class_dropout_prob > 0) {
      throw config::ConfigError("config key '" + reader.key_path("class_dropout_prob") +
                                "' must be 0 for an unconditional model (num_classes 0)");
    }
    config.class_dropout_prob = 0;
  }
  if (config.hidden_size % config.num_heads != 0) {
    throw config::ConfigError("config key '" + reader.key_path("hidden_size") + "' must be a multiple of num_heads");
  }
  return config;
}

}  // namespace dact::models
