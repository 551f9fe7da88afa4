#pragma once
// The denoiser of one EMA track of a snapshot file (workers/ema/ema_snapshot.h), as
// evaluation and `dact sample` use it.
//
// The track is a classic EMA track chosen by name, or a power track chosen by its std,
// which must match exactly (to 1e-9): a single snapshot holds too few tracks for a
// faithful post-hoc reconstruction, so other stds are first reconstructed over the
// whole run with `dact ema reconstruct`, whose output files are snapshots with that
// one track.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "models/edm2/edm2_precond.h"

namespace dact::workers::evaluator {

// Builds the untrained network a snapshot's `model` section (the run config's) describes.
// The run config's parser lives in launch/, which workers may not use, so callers pass it.
using NetworkFactory = std::function<models::Edm2Precond(const nlohmann::json& model_section)>;

// The track: the classic one named `ema_name`, or when that is empty the one with
// `ema_std` (ema::chosen_track_state_dict). Throws storage::StorageError naming the file
// when it does not verify, has no such track (listing the ones it has), or its weights
// do not fit the described network.
models::Edm2Precond load_snapshot_network(const std::string& snapshot_path, double ema_std,
                                          const NetworkFactory& make_network, const std::string& ema_name = "");

}  // namespace dact::workers::evaluator
