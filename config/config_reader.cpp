#include "config/config_reader.h"

namespace dact::config {

ConfigReader::ConfigReader(const nlohmann::json& node, std::string path)
    : node_(node), path_(std::move(path)) {
  if (!node_.is_object()) {
    throw_wrong_type(path_.empty() ? "<root>" : path_, "an object", node_);
  }
}

const nlohmann::json* ConfigReader::take(const std::string& key) {
  taken_.insert(key);
  const auto entry = node_.find(key);
  return entry == node_.end() || entry->is_null() ? nullptr : &*entry;
}

std::string ConfigReader::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool ConfigReader::has(const std::string& key) const { return node_.contains(key); }

ConfigReader ConfigReader::child(const std::string& key) {
  static const nlohmann::json empty_object = nlohmann::json::object();
  const nlohmann::json* entry = take(key);
  return ConfigReader(entry ? *entry : empty_object, key_path(key));
}

void ConfigReader::finish() const {
  std::string unknown;
  for (const auto& [key, value] : node_.items()) {
    if (!taken_.count(key)) unknown += (unknown.empty() ? "'" : ", '") + key_path(key) + "'";
  }
  if (!unknown.empty()) throw ConfigError("unknown key " + unknown);
}

void throw_wrong_type(const std::string& path, const char* expected, const nlohmann::json& value) {
  throw ConfigError("config key '" + path + "' must be " + expected + ", got " + value.dump());
}

}  // namespace dact::config
