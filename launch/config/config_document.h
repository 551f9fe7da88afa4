#pragma once
// Config documents before they are typed: files (JSON or YAML), presets (files in
// configs/), `--set a.b=value` overrides, and the hash that identifies a resolved
// config (ranks refuse to work together when their hashes differ).
#include <nlohmann/json.hpp>
#include <string>

namespace dact::launch {

// Reads a .json, .yaml or .yml file; config::ConfigError names the file and the parse error.
nlohmann::json load_config_file(const std::string& path);

// The folder of preset files: $DACT_CONFIG_DIR if set, else the repo's configs/.
std::string preset_directory();

// Loads preset `name` (configs/<name>.json or .yaml); an unknown name lists the presets.
nlohmann::json load_preset(const std::string& name);

// Applies "a.b.c=value". The value is read as JSON when it parses as JSON (numbers,
// booleans, lists, objects), otherwise as a string. Missing keys are created; the
// typed parse (config::ConfigReader::finish) then rejects any that no component knows.
void apply_override(nlohmann::json& document, const std::string& assignment);

// xxHash64 (hex) of the canonical serialization (keys sorted, no whitespace).
std::string config_hash(const nlohmann::json& document);

}  // namespace dact::launch
