#pragma once
// The file the EMA actor writes: every power-function EMA track (one per std) of one
// moment of training, plus the network's buffers and a description of the network,
// so a snapshot alone rebuilds a sampler and post-hoc reconstruction can combine
// snapshots. The same format holds the EMA state of a checkpoint step (exact resume).
// Tensor names: "ema/<index>/<param>" (std = stds[index]) and "buffer/<name>".
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "storage/tensor_file.h"

namespace dact::workers::ema {

struct EmaSnapshot {
  int64_t step = 0;
  int64_t nimg = 0;
  std::vector<double> stds;
  std::vector<storage::NamedTensors> tracks;  // tracks[i] averages with stds[i]
  storage::NamedTensors buffers;
  nlohmann::json model;  // the run config's model section, to rebuild the network
  std::string config_hash;
};

void write_ema_snapshot(const std::string& path, const EmaSnapshot& snapshot);
// Throws storage::StorageError naming the file if it does not verify or is no snapshot.
EmaSnapshot read_ema_snapshot(const std::string& path);

// The weights of track `index` merged with the buffers: a loadable state dict.
storage::NamedTensors snapshot_state_dict(const EmaSnapshot& snapshot, size_t index);

}  // namespace dact::workers::ema
