#include "storage/latent_manifest.h"

#include "storage/storage_error.h"

namespace dact::storage {
namespace {

template <typename T>
T latent_key(const nlohmann::json& object, const std::string& key, const std::string& path,
             const std::string& source) {
  if (!object.is_object() || !object.contains(key)) throw StorageError(source, "missing key '" + path + "'");
  try {
    return object.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw StorageError(source, "key '" + path + "' has the wrong type (" + object.at(key).type_name() + ")");
  }
}

}  // namespace

std::vector<std::string> latent_moment_names(bool flipped) {
  if (flipped) return {"mean", "logvar", "flipped_mean", "flipped_logvar"};
  return {"mean", "logvar"};
}

nlohmann::json latent_info_to_json(const LatentShardInfo& info) {
  nlohmann::json json = {
      {"channels", info.channels},
      {"moments", info.moments},
      {"autoencoder",
       {{"path", info.autoencoder.path}, {"fingerprint", info.autoencoder.fingerprint},
        {"config", info.autoencoder.config}}},
      {"source",
       {{"dataset", info.source.dataset}, {"channels", info.source.channels},
        {"resolution", info.source.resolution}}}};
  if (info.statistics) {
    json["statistics"] = {{"of", "z"}, {"mean", info.statistics->mean}, {"std", info.statistics->std}};
  }
  return json;
}

LatentShardInfo latent_info(const ShardManifest& manifest, const std::string& source) {
  if (manifest.sample_key != kLatentSampleKey) {
    throw StorageError(source, "key 'sample_key' is '" + manifest.sample_key + "': pixel shards, not latents");
  }
  const nlohmann::json& json = manifest.latent;
  if (!json.is_object()) {
    throw StorageError(source, "missing key 'latent' (latent shards are written by `dact dataset encode`)");
  }
  LatentShardInfo info;
  info.channels = latent_key<int64_t>(json, "channels", "latent.channels", source);
  info.moments = latent_key<std::vector<std::string>>(json, "moments", "latent.moments", source);
  if (info.moments != latent_moment_names(false) && info.moments != latent_moment_names(true)) {
    throw StorageError(source, "key 'latent.moments' must be [mean, logvar] or [mean, logvar, flipped_mean, "
                               "flipped_logvar]");
  }
  const int64_t groups = static_cast<int64_t>(info.moments.size());
  if (info.channels <= 0 || manifest.sample_shape.at(0) != groups * info.channels) {
    throw StorageError(source, "key 'latent.channels' (" + std::to_string(info.channels) + ") times " +
                                   std::to_string(groups) + " moments is not sample_shape[0] (" +
                                   std::to_string(manifest.sample_shape.at(0)) + ")");
  }
  const nlohmann::json autoencoder = latent_key<nlohmann::json>(json, "autoencoder", "latent.autoencoder", source);
  info.autoencoder.path = latent_key<std::string>(autoencoder, "path", "latent.autoencoder.path", source);
  info.autoencoder.fingerprint =
      latent_key<std::string>(autoencoder, "fingerprint", "latent.autoencoder.fingerprint", source);
  info.autoencoder.config = autoencoder.value("config", nlohmann::json());
  if (json.contains("statistics")) {
    const nlohmann::json& statistics = json.at("statistics");
    LatentChannelStatistics stats;
    stats.mean = latent_key<std::vector<double>>(statistics, "mean", "latent.statistics.mean", source);
    stats.std = latent_key<std::vector<double>>(statistics, "std", "latent.statistics.std", source);
    if (static_cast<int64_t>(stats.mean.size()) != info.channels ||
        static_cast<int64_t>(stats.std.size()) != info.channels) {
      throw StorageError(source, "keys 'latent.statistics.mean' and '.std' need one value per latent channel (" +
                                     std::to_string(info.channels) + ")");
    }
    info.statistics = std::move(stats);
  }
  const nlohmann::json origin = latent_key<nlohmann::json>(json, "source", "latent.source", source);
  info.source.dataset = latent_key<std::string>(origin, "dataset", "latent.source.dataset", source);
  info.source.channels = latent_key<int64_t>(origin, "channels", "latent.source.channels", source);
  info.source.resolution = latent_key<int64_t>(origin, "resolution", "latent.source.resolution", source);
  return info;
}

}  // namespace dact::storage
