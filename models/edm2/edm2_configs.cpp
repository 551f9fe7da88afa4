#include "models/edm2/edm2_configs.h"

#include <functional>
#include <map>
#include <stdexcept>

namespace dact::models {
namespace {

Edm2PrecondConfig precond(int64_t resolution, int64_t channels, int64_t label_dim,
                          int64_t model_channels, double dropout) {
  Edm2PrecondConfig config;
  config.unet.img_resolution = resolution;
  config.unet.img_channels = channels;
  config.unet.label_dim = label_dim;
  config.unet.model_channels = model_channels;
  config.unet.block.dropout = dropout;
  return config;
}

Edm2PrecondConfig tiny(int64_t resolution, int64_t channels, int64_t model_channels,
                       std::vector<int64_t> channel_mult, std::vector<int64_t> attn_resolutions) {
  Edm2PrecondConfig config = precond(resolution, channels, 10, model_channels, 0);
  config.unet.channel_mult = std::move(channel_mult);
  config.unet.num_blocks = 1;
  config.unet.attn_resolutions = std::move(attn_resolutions);
  return config;
}

const std::map<std::string, std::function<Edm2PrecondConfig()>>& table() {
  static const std::map<std::string, std::function<Edm2PrecondConfig()>> configs{
      {"edm2-img512-xs", [] { return precond(64, 4, 1000, 128, 0.0); }},
      {"edm2-img64-s", [] { return precond(64, 3, 1000, 192, 0.0); }},
      {"edm2-tiny", [] { return tiny(8, 4, 32, {1, 2}, {4}); }},
      {"edm2-fashion-tiny", [] { return tiny(32, 1, 16, {1, 2, 4}, {8}); }},
  };
  return configs;
}

}  // namespace

Edm2PrecondConfig edm2_named_config(const std::string& name) {
  const auto found = table().find(name);
  if (found == table().end()) {
    std::string known;
    for (const std::string& n : edm2_config_names()) known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument("EDM2 config '" + name + "': unknown; known: " + known);
  }
  return found->second();
}

std::vector<std::string> edm2_config_names() {
  std::vector<std::string> names;
  for (const auto& item : table()) names.push_back(item.first);
  return names;
}

}  // namespace dact::models
