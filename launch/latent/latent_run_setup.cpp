#include "launch/latent/latent_run_setup.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "config/config_error.h"
#include "models/latent/autoencoder_weights.h"
#include "models/latent/pixel_decoder.h"
#include "storage/storage_error.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

std::string manifest_file(const std::string& dataset_dir) {
  return (fs::path(dataset_dir) / storage::kManifestFileName).string();
}

// `values` for `channels` channels: a single value broadcasts.
std::vector<double> for_each_channel(const std::vector<double>& values, int64_t channels, const std::string& key) {
  if (values.size() == 1) return std::vector<double>(static_cast<size_t>(channels), values.front());
  if (static_cast<int64_t>(values.size()) != channels) {
    throw config::ConfigError(fmt::format("config key '{}' has {} values; the latents have {} channels", key,
                                          values.size(), channels));
  }
  return values;
}

// The statistics, or the guard rail's error when the manifest has none.
const storage::LatentChannelStatistics& required_statistics(const storage::LatentShardInfo& info,
                                                            const std::string& dataset_dir) {
  if (!info.statistics) {
    throw config::ConfigError(manifest_file(dataset_dir) +
                              ": missing key 'latent.statistics' (per-channel mean and std of the latents, which "
                              "the latent scaling defaults to; re-encode with `dact dataset encode`)");
  }
  return *info.statistics;
}

std::string decoder_weights_path(const LatentDatasetConfig& latent, const storage::LatentShardInfo& info) {
  return fs::absolute(latent.autoencoder.empty() ? info.autoencoder.path : latent.autoencoder)
      .lexically_normal()
      .string();
}

}  // namespace

storage::LatentShardInfo read_latent_info(const std::string& dataset_dir) {
  return storage::latent_info(storage::read_manifest(dataset_dir), manifest_file(dataset_dir));
}

void freeze_latent_statistics(nlohmann::json& document, const RunConfig& config) {
  if (!config.dataset.latent) return;
  const LatentDatasetConfig& latent = *config.dataset.latent;
  if (!latent.raw_mean.empty() && !latent.raw_std.empty()) return;
  const std::string& dir = config.dataset.dir;
  if (!storage::is_dataset_dir(dir)) {
    throw config::ConfigError("config key 'dataset.dir': '" + dir +
                              "' holds no dataset (manifest.json); latent datasets are made by `dact dataset encode`");
  }
  storage::LatentShardInfo info;
  try {
    info = read_latent_info(dir);
  } catch (const storage::StorageError& e) {
    throw config::ConfigError(std::string("config key 'dataset.latent' asks for a latent run, but ") + e.what());
  }
  const storage::LatentChannelStatistics& statistics = required_statistics(info, dir);
  nlohmann::json& section = document["dataset"]["latent"];
  if (latent.raw_mean.empty()) section["raw_mean"] = statistics.mean;
  if (latent.raw_std.empty()) section["raw_std"] = statistics.std;
}

models::latent::LatentScaling latent_scaling(const LatentDatasetConfig& config, const storage::LatentShardInfo& info) {
  const int64_t channels = info.channels;
  models::latent::LatentScaling scaling;
  const auto statistic = [&info](bool mean) {
    if (!info.statistics) throw config::ConfigError("the latent manifest has no key 'latent.statistics'");
    return mean ? info.statistics->mean : info.statistics->std;
  };
  scaling.raw_mean = for_each_channel(config.raw_mean.empty() ? statistic(true) : config.raw_mean, channels,
                                      "dataset.latent.raw_mean");
  scaling.raw_std = for_each_channel(config.raw_std.empty() ? statistic(false) : config.raw_std, channels,
                                     "dataset.latent.raw_std");
  scaling.final_mean = for_each_channel(config.final_mean, channels, "dataset.latent.final_mean");
  scaling.final_std = for_each_channel(config.final_std, channels, "dataset.latent.final_std");
  try {
    models::latent::validate_scaling(scaling, "dataset.latent");
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError(std::string("config key ") + e.what());
  }
  return scaling;
}

void check_dataset_fits_run(const RunConfig& config) {
  const std::string& dir = config.dataset.dir;
  const std::string manifest_path = manifest_file(dir);
  const storage::ShardManifest manifest = storage::read_manifest(dir);
  const bool latent_shards = manifest.sample_key == storage::kLatentSampleKey;
  if (config.dataset.latent && !latent_shards) {
    throw config::ConfigError(manifest_path + ": key 'sample_key' is '" + manifest.sample_key +
                              "' (pixel shards), but config key 'dataset.latent' makes this a latent run; encode the "
                              "images with `dact dataset encode` and point dataset.dir at the result");
  }
  if (!config.dataset.latent && latent_shards) {
    throw config::ConfigError(manifest_path +
                              ": key 'sample_key' is 'latents', but the config has no 'dataset.latent' section (a "
                              "pixel run); add \"latent\": {} under \"dataset\" to train on latents");
  }
  std::vector<int64_t> shape = manifest.sample_shape;
  std::string what = "images";
  storage::LatentShardInfo info;
  if (latent_shards) {
    info = storage::latent_info(manifest, manifest_path);
    shape[0] = info.channels;
    what = "latents";
  }
  const models::ImageShape model_shape = config.model->image_shape();
  if (shape[0] != model_shape.channels || shape[1] != model_shape.resolution || shape[2] != model_shape.resolution) {
    throw config::ConfigError(fmt::format(
        "config key 'model' (arch '{}') reads [{}, {}, {}], but {} holds {} [{}] (key 'sample_shape'{})",
        config.document.at("model").value("arch", "edm2-precond"), model_shape.channels, model_shape.resolution,
        model_shape.resolution, manifest_path, what, fmt::join(shape, ", "),
        latent_shards ? fmt::format(" = {} moments x latent.channels {}", info.moments.size(), info.channels) : ""));
  }
  if (!latent_shards) return;
  required_statistics(info, dir);
  latent_scaling(*config.dataset.latent, info);
  const std::string weights = decoder_weights_path(*config.dataset.latent, info);
  const std::string key = config.dataset.latent->autoencoder.empty() ? manifest_path + " key 'latent.autoencoder.path'"
                                                                     : "config key 'dataset.latent.autoencoder'";
  if (!fs::is_regular_file(weights)) throw config::ConfigError(key + ": no file '" + weights + "'");
  const std::string fingerprint = models::latent::autoencoder_fingerprint(weights);
  if (fingerprint != info.autoencoder.fingerprint) {
    throw config::ConfigError(fmt::format(
        "{}: {} holds autoencoder weights {}, but {} key 'latent.autoencoder.fingerprint' says the latents were made "
        "with {}",
        key, weights, fingerprint, manifest_path, info.autoencoder.fingerprint));
  }
}

nlohmann::json image_decoder_record(const RunConfig& config) {
  if (!config.dataset.latent) return nullptr;
  const storage::LatentShardInfo info = read_latent_info(config.dataset.dir);
  models::latent::LatentDecoderRecord record;
  record.autoencoder = decoder_weights_path(*config.dataset.latent, info);
  record.fingerprint = info.autoencoder.fingerprint;
  record.config = info.autoencoder.config;
  record.scaling = latent_scaling(*config.dataset.latent, info);
  return models::latent::decoder_record_to_json(record);
}

std::string pixel_dataset_dir(const RunConfig& config) {
  if (!config.dataset.latent) return config.dataset.dir;
  return read_latent_info(config.dataset.dir).source.dataset;
}

}  // namespace dact::launch
