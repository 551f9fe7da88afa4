#pragma once
// The "latent" section of a latent dataset's manifest.json, as `dact dataset encode`
// writes it. Each sample of dataset `latents` is [G * channels, h, w]: G groups of
// `channels` channels, named by `moments` in order: "mean", "logvar" (the KL
// autoencoder's posterior), and with --flip "flipped_mean", "flipped_logvar" (the
// posterior of the horizontally mirrored image, as MAR's cached latents hold).
//
//   "latent": {
//     "channels": 4, "moments": ["mean", "logvar", "flipped_mean", "flipped_logvar"],
//     "autoencoder": {"path": "/abs/ae.h5", "fingerprint": "<16 hex>", "config": {...}},
//     "statistics": {"of": "z", "mean": [...], "std": [...]},
//     "source": {"dataset": "/abs/pixels/train", "channels": 1, "resolution": 32}
//   }
//
// statistics are per latent channel of z = mean + exp(logvar / 2) * n, n ~ N(0, I),
// over every stored posterior (mirrors included), in closed form: mean_c = E[mean],
// std_c = sqrt(E[mean^2 + exp(logvar)] - mean_c^2), from the stored (rounded) values.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "storage/shard_manifest.h"

namespace dact::storage {

inline constexpr const char* kLatentSampleKey = "latents";

struct LatentAutoencoderInfo {
  std::string path;         // the weights file the latents were encoded with (absolute)
  std::string fingerprint;  // models::features::weights_fingerprint of its weights
  nlohmann::json config;    // its constructor arguments
};

struct LatentChannelStatistics {
  std::vector<double> mean;
  std::vector<double> std;
};

struct LatentSource {
  std::string dataset;  // the pixel dataset encoded (absolute)
  int64_t channels = 0;
  int64_t resolution = 0;
};

struct LatentShardInfo {
  int64_t channels = 0;
  std::vector<std::string> moments;
  LatentAutoencoderInfo autoencoder;
  std::optional<LatentChannelStatistics> statistics;
  LatentSource source;

  bool has_flipped() const { return moments.size() == 4; }
};

// The moments of a dataset encoded with or without mirrors.
std::vector<std::string> latent_moment_names(bool flipped);

nlohmann::json latent_info_to_json(const LatentShardInfo& info);
// manifest.latent, checked against the manifest's sample_shape; `source` (the manifest
// file) and the key ("latent.autoencoder.fingerprint") are named in every StorageError.
LatentShardInfo latent_info(const ShardManifest& manifest, const std::string& source);

}  // namespace dact::storage
