#include "launch/config/config_document.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_error.h"
#include "storage/checksum.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

nlohmann::json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& entry : node) object[entry.first.as<std::string>()] = yaml_to_json(entry.second);
      return object;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node) array.push_back(yaml_to_json(item));
      return array;
    }
    case YAML::NodeType::Scalar: {
      // Quoted scalars carry the tag "!": always strings. Plain ones may be numbers.
      if (node.Tag() == "!") return node.Scalar();
      const nlohmann::json parsed = nlohmann::json::parse(node.Scalar(), nullptr, false);
      if (parsed.is_number() || parsed.is_boolean() || parsed.is_null()) return parsed;
      return node.Scalar();
    }
    default:
      return nullptr;
  }
}

std::vector<std::string> split_key_path(const std::string& path) {
  std::vector<std::string> keys;
  std::stringstream stream(path);
  std::string key;
  while (std::getline(stream, key, '.')) keys.push_back(key);
  return keys;
}

}  // namespace

nlohmann::json load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw config::ConfigError(path + ": cannot open config file");
  const std::string extension = fs::path(path).extension().string();
  try {
    if (extension == ".yaml" || extension == ".yml") return yaml_to_json(YAML::Load(in));
    return nlohmann::json::parse(in);
  } catch (const YAML::Exception& e) {
    throw config::ConfigError(path + ": invalid YAML: " + e.what());
  } catch (const nlohmann::json::exception& e) {
    throw config::ConfigError(path + ": invalid JSON: " + e.what());
  }
}

std::string preset_directory() {
  if (const char* dir = std::getenv("DACT_CONFIG_DIR")) return dir;
  return DACT_DEFAULT_CONFIG_DIR;
}

nlohmann::json load_preset(const std::string& name) {
  const fs::path dir = preset_directory();
  for (const char* extension : {".json", ".yaml", ".yml"}) {
    const fs::path path = dir / (name + extension);
    if (fs::exists(path)) return load_config_file(path.string());
  }
  std::string known;
  if (fs::is_directory(dir)) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      known += (known.empty() ? "" : ", ") + entry.path().stem().string();
    }
  }
  throw config::ConfigError("unknown preset '" + name + "' in " + dir.string() + " (presets: " + known + ")");
}

void apply_override(nlohmann::json& document, const std::string& assignment) {
  const size_t equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw config::ConfigError("override '" + assignment + "' is not of the form key.path=value");
  }
  const std::string path = assignment.substr(0, equals);
  const std::string text = assignment.substr(equals + 1);
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) value = text;

  nlohmann::json* node = &document;
  std::string walked;
  for (const std::string& key : split_key_path(path)) {
    walked += (walked.empty() ? "" : ".") + key;
    if (key.empty()) throw config::ConfigError("override '" + assignment + "': empty key in '" + path + "'");
    if (node->is_null()) *node = nlohmann::json::object();
    if (!node->is_object()) {
      throw config::ConfigError("override '" + assignment + "': '" + walked + "' is below a non-object");
    }
    node = &(*node)[key];
  }
  *node = std::move(value);
}

std::string config_hash(const nlohmann::json& document) {
  const std::string canonical = document.dump();  // nlohmann::json objects keep keys sorted
  return storage::xxh64_hex(canonical.data(), canonical.size());
}

}  // namespace dact::launch
