#include "models/dit/dit_config.h"

#include <map>
#include <stdexcept>

namespace dact::models {
namespace {

struct DitSize {
  int64_t depth, hidden_size, num_heads;
};

// DiT Table 1: depth, width, heads of S, B, L, XL.
const std::map<std::string, DitSize>& dit_sizes() {
  static const std::map<std::string, DitSize> sizes{
      {"S", {12, 384, 6}}, {"B", {12, 768, 12}}, {"L", {24, 1024, 16}}, {"XL", {28, 1152, 16}}};
  return sizes;
}

}  // namespace

std::vector<std::string> dit_config_names() {
  std::vector<std::string> names;
  for (const auto& [size, unused] : dit_sizes()) {
    for (const char* patch : {"2", "4", "8"}) {
      names.push_back("DiT-" + size + "/" + patch);
    }
  }
  names.push_back("DiT-tiny/2");
  return names;
}

DitConfig dit_named_config(const std::string& name) {
  DitConfig config;
  if (name == "DiT-tiny/2") {
    config.input_size = 8;
    config.hidden_size = 64;
    config.depth = 2;
    config.num_heads = 4;
    config.num_classes = 10;
    return config;
  }
  for (const auto& [size, dims] : dit_sizes()) {
    for (int64_t patch : {2, 4, 8}) {
      if (name == "DiT-" + size + "/" + std::to_string(patch)) {
        config.depth = dims.depth;
        config.hidden_size = dims.hidden_size;
        config.num_heads = dims.num_heads;
        config.patch_size = patch;
        return config;
      }
    }
  }
  std::string known;
  for (const auto& candidate : dit_config_names()) {
    known += (known.empty() ? "" : ", ") + candidate;
  }
  throw std::invalid_argument("unknown DiT config '" + name + "' (known: " + known + ")");
}

}  // namespace dact::models
