#pragma once
// DEST/encode-progress.json: what an unfinished `dact dataset encode` has committed, so
// a second run continues after the last complete shard instead of starting over.
// Written atomically after every shard (the shard itself is renamed into place first),
// removed once manifest.json is written. A shard file beyond the record (committed just
// before a crash) is simply encoded again.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "storage/shard_manifest.h"

namespace dact::launch {

// Per-channel sums over the stored posteriors, float64: what the manifest's
// statistics are finished from (storage/latent_manifest.h).
struct LatentMomentSums {
  double values = 0;                 // latent values per channel summed over (samples * groups * h * w)
  std::vector<double> mean;          // sum of the posterior means
  std::vector<double> second_moment; // sum of mean^2 + exp(logvar) (= E[z^2] per value)

  void add(const LatentMomentSums& other);
};

struct EncodedShard {
  storage::ShardEntry entry;
  LatentMomentSums sums;
};

struct EncodeProgress {
  // Everything the encoded bytes depend on; a resume with other settings is refused.
  nlohmann::json settings;
  std::vector<EncodedShard> shards;
};

std::string encode_progress_path(const std::string& dest);
// Missing file = nullopt-like empty progress (settings null); unreadable = StorageError.
EncodeProgress read_encode_progress(const std::string& dest);
void write_encode_progress(const std::string& dest, const EncodeProgress& progress);

}  // namespace dact::launch
