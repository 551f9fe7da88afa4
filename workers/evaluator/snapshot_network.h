#pragma once
// The model of one EMA track of a snapshot file (workers/ema/ema_snapshot.h), as
// evaluation and `dact sample` use it: the snapshot's `model` section (the run
// config's) names the family and its network.
//
// The track is a classic EMA track chosen by name, or a power track chosen by its std,
// which must match exactly (to 1e-9): a single snapshot holds too few tracks for a
// faithful post-hoc reconstruction, so other stds are first reconstructed over the
// whole run with `dact ema reconstruct`, whose output files are snapshots with that
// one track.
#include <memory>
#include <string>

#include "models/family.h"
#include "models/latent/pixel_decoder.h"

namespace dact::workers::evaluator {

// The track: the classic one named `ema_name`, or when that is empty the one with
// `ema_std` (ema::chosen_track_state_dict). Throws storage::StorageError naming the file
// when it does not verify, its model section does not parse, it has no such track
// (listing the ones it has), or its weights do not fit the described network.
std::unique_ptr<models::Model> load_snapshot_network(const std::string& snapshot_path, double ema_std,
                                                     const std::string& ema_name = "");

// The snapshot's model section, parsed (reads only the metadata). Errors as above.
std::shared_ptr<const models::ModelSpec> load_snapshot_model_spec(const std::string& snapshot_path);

// How the snapshot's samples become pixels: its metadata "image_decoder" (latent runs:
// the autoencoder, checked against its recorded fingerprint, and the scaling), else the
// pixel range map. Reads only the metadata; errors name the snapshot and the weights file.
std::shared_ptr<models::latent::PixelDecoder> load_snapshot_decoder(const std::string& snapshot_path);

}  // namespace dact::workers::evaluator
