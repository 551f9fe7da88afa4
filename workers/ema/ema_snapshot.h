#pragma once
// The file the EMA actor writes: every power-function EMA track (one per std) of one
// moment of training, plus the network's buffers and a description of the network,
// so a snapshot alone rebuilds a sampler and post-hoc reconstruction can combine
// snapshots. The same format holds the EMA state of a checkpoint step (exact resume).
// Classic EMA tracks (classic_ema_track.h), when the run keeps any, are stored beside
// the power tracks and listed in the metadata key "classic_ema" (name, decay, warmup,
// and for half-life tracks halflife_kimg, rampup_ratio and batch; step of the last update); post-hoc reconstruction reads only the power tracks.
// Snapshots of latent runs carry the metadata key "image_decoder".
// Tensor names: "ema/<index>/<param>" (std = stds[index]), "classic/<name>/<param>" and
// "buffer/<name>".
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "storage/tensor_file.h"
#include "workers/ema/classic_ema_track.h"

namespace dact::workers::ema {

// A classic EMA track as a snapshot holds it.
struct StoredClassicEma {
  ClassicEmaOptions options;
  int64_t step = 0;  // of its last update
  storage::NamedTensors params;
};

// A deep copy of `track`, as a snapshot stores it.
StoredClassicEma stored_copy(const ClassicEmaTrack& track);

struct EmaSnapshot {
  int64_t step = 0;
  int64_t nimg = 0;
  std::vector<double> stds;
  std::vector<storage::NamedTensors> tracks;  // tracks[i] averages with stds[i]
  std::vector<StoredClassicEma> classic;      // empty unless the run keeps classic EMA
  storage::NamedTensors buffers;
  nlohmann::json model;  // the run config's model section, to rebuild the network
  // How samples become pixels (models/latent/pixel_decoder.h LatentDecoderRecord):
  // null for pixel runs; for latent runs the autoencoder, its fingerprint and the scaling.
  nlohmann::json image_decoder;
  std::string config_hash;
};

void write_ema_snapshot(const std::string& path, const EmaSnapshot& snapshot);
// Throws storage::StorageError naming the file if it does not verify or is no snapshot.
EmaSnapshot read_ema_snapshot(const std::string& path);

// Whether `snapshot` holds exactly the classic tracks `options` configures, in order.
bool stores_classic_tracks(const EmaSnapshot& snapshot, const std::vector<ClassicEmaOptions>& options);

// The weights of track `index` merged with the buffers: a loadable state dict.
storage::NamedTensors snapshot_state_dict(const EmaSnapshot& snapshot, size_t index);

// The loadable state dict of the track a run or command chooses: the classic EMA track
// named `ema_name`, or when that is empty the power track whose std equals `ema_std`
// (to 1e-9). Throws std::invalid_argument naming the tracks the snapshot holds.
storage::NamedTensors chosen_track_state_dict(const EmaSnapshot& snapshot, double ema_std,
                                              const std::string& ema_name);

}  // namespace dact::workers::ema
