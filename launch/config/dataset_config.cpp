#include "launch/config/dataset_config.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace dact::launch {
namespace {

// A number (one value for every latent channel) or a list of numbers.
void read_per_channel(config::ConfigReader& reader, const std::string& key, std::vector<double>& values) {
  nlohmann::json value;
  reader.optional(key, value);
  if (value.is_null()) return;
  if (value.is_number()) {
    values = {value.get<double>()};
    return;
  }
  std::vector<double> list;
  const bool numbers = value.is_array() && std::all_of(value.begin(), value.end(),
                                                       [](const nlohmann::json& item) { return item.is_number(); });
  if (!numbers) config::throw_wrong_type(reader.key_path(key), "a number or a list of numbers", value);
  for (const nlohmann::json& item : value) list.push_back(item.get<double>());
  if (list.empty()) config::throw_wrong_type(reader.key_path(key), "a number or a non-empty list of numbers", value);
  values = list;
}

void read_latent_dataset(config::ConfigReader reader, LatentDatasetConfig& config) {
  read_per_channel(reader, "raw_mean", config.raw_mean);
  read_per_channel(reader, "raw_std", config.raw_std);
  read_per_channel(reader, "final_mean", config.final_mean);
  read_per_channel(reader, "final_std", config.final_std);
  reader.optional("autoencoder", config.autoencoder);
  reader.optional("flip", config.flip);
  reader.finish();
}

// A required string that must not be empty either.
void read_path(config::ConfigReader& reader, const std::string& key, std::string& path) {
  reader.required(key, path);
  if (path.empty()) throw config::ConfigError("config key '" + reader.key_path(key) + "' is empty");
}

void read_autoencoder_run(config::ConfigReader reader, AutoencoderRunConfig& config) {
  reader.optional("preset", config.preset);
  reader.optional("config", config.config);
  read_path(reader, "run_dir", config.run_dir);
  std::map<std::string, nlohmann::json> assignments;
  reader.optional("set", assignments);
  // The same "a.b=value" form as `dact train --set`; a JSON dump reads back as the value.
  for (const auto& [key, value] : assignments) config.overrides.push_back(key + "=" + value.dump());
  reader.finish();
  if (config.preset.empty() == config.config.empty()) {
    throw config::ConfigError("config key 'dataset.encode_from.autoencoder_run' must name exactly one of 'preset' "
                              "and 'config' (the autoencoder's run config)");
  }
}

void read_encode_from(config::ConfigReader reader, EncodeFromConfig& config) {
  read_path(reader, "source", config.source);
  read_path(reader, "autoencoder", config.autoencoder);
  if (reader.has("autoencoder_run")) {
    config.autoencoder_run.emplace();
    read_autoencoder_run(reader.child("autoencoder_run"), *config.autoencoder_run);
  }
  reader.optional("flip", config.flip);
  reader.optional("dtype", config.dtype);
  reader.optional("batch", config.batch);
  reader.optional("max_shards", config.max_shards);
  reader.finish();
  if (config.dtype != "float16" && config.dtype != "float32") {
    throw config::ConfigError("config key '" + reader.key_path("dtype") + "' must be 'float16' or 'float32', not '" +
                              config.dtype + "'");
  }
  if (config.batch < 1) throw config::ConfigError("config key '" + reader.key_path("batch") + "' must be >= 1");
  if (config.max_shards < 0) {
    throw config::ConfigError("config key '" + reader.key_path("max_shards") + "' must be >= 0 (0 = every shard)");
  }
}

}  // namespace

void read_dataset(config::ConfigReader reader, DatasetConfig& config) {
  reader.optional("dir", config.dir);
  reader.optional("convert_from", config.convert_from);
  reader.optional("resolution", config.resolution);
  if (reader.has("encode_from")) {
    config.encode_from.emplace();
    read_encode_from(reader.child("encode_from"), *config.encode_from);
  }
  if (reader.has("latent")) {
    config.latent.emplace();
    read_latent_dataset(reader.child("latent"), *config.latent);
  }
  reader.finish();
  if (config.encode_from && !config.convert_from.empty()) {
    throw config::ConfigError("config keys 'dataset.convert_from' and 'dataset.encode_from' both say how to make "
                              "dataset.dir; set one");
  }
  if (config.encode_from && !config.latent) {
    throw config::ConfigError("config key 'dataset.encode_from' makes latent shards, so the run needs a "
                              "'dataset.latent' section (it may be empty)");
  }
}

}  // namespace dact::launch
