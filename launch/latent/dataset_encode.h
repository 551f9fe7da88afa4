#pragma once
// `dact dataset encode`: a pixel shard dataset -> a latent shard dataset holding each
// image's KL-autoencoder posterior (mean, logvar; with `flip` also those of the
// mirrored image), its label, and a manifest naming the autoencoder (path, weights
// fingerprint, config), the latent shape and per-channel statistics
// (storage/latent_manifest.h). Latent shard k holds the same samples as pixel shard k.
//
// Resumable: shards are committed one by one (temp name + rename) and recorded in
// DEST/encode-progress.json; running the same command again verifies the recorded
// shards and continues after the last good one. manifest.json is written last, so a
// directory with a manifest is complete. Runs in this process (LibTorch's intra-op
// threads); not spread over MPI ranks.
#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "storage/shard_manifest.h"

namespace dact::launch {

struct EncodeOptions {
  std::string autoencoder;                     // weights file (tools/export_state_dict.py layout)
  nlohmann::json autoencoder_config;           // null = the file's `config` attribute
  bool flip = false;                           // also store the mirrored image's posterior
  int64_t batch = 32;                          // images encoded at once
  torch::Dtype dtype = torch::kFloat32;        // of the stored moments: float16 or float32
  int64_t max_shards = 0;                      // encode the first K shards of the source; 0 = all
};

// One line per few seconds: images done, images/s, ETA.
using EncodeProgressSink = std::function<void(const std::string& line)>;

// Throws storage::StorageError naming the file for an unreadable source or
// autoencoder, a destination that already holds a dataset, or an unfinished encode in
// DEST made with other settings (naming the setting); std::invalid_argument for an
// autoencoder whose input channels or resolution step do not fit the images.
storage::ShardManifest encode_dataset(const std::string& source, const std::string& dest,
                                      const EncodeOptions& options, const EncodeProgressSink& progress);

}  // namespace dact::launch
