#pragma once
// What `dact train` checks and settles about a run's data before any rank starts, and
// what the ranks of a latent run derive from the config and the dataset's manifest:
// the scaling the loaders apply and the decoder record the EMA actor puts into every
// snapshot (so `dact sample` needs the snapshot file alone).
#include <nlohmann/json.hpp>
#include <string>

#include "launch/config/run_config.h"
#include "models/latent/latent_scaling.h"
#include "storage/latent_manifest.h"
#include "storage/shard_manifest.h"

namespace dact::launch {

// With a `dataset.latent` section and no raw_mean/raw_std in it: writes the manifest's
// statistics into `document` (dataset.latent.raw_mean/raw_std), so they are part of the
// training hash and a resumed run keeps them. A missing dataset or a manifest without
// statistics is a ConfigError naming the manifest and key. Pixel runs: unchanged.
void freeze_latent_statistics(nlohmann::json& document, const RunConfig& config);

// The guard rails, each a ConfigError naming the file and key: pixel shards for a run
// with `dataset.latent`, latent shards for a run without; a model whose channels or
// resolution (ModelSpec::image_shape) differ from the shards'; a latent manifest
// without statistics; an autoencoder file (dataset.latent.autoencoder or the one the
// manifest names) whose weights fingerprint differs from the manifest's.
void check_dataset_fits_run(const RunConfig& config);

// dataset.dir's latent section (StorageError naming the manifest when it is no latent
// dataset).
storage::LatentShardInfo read_latent_info(const std::string& dataset_dir);

// The run's scaling: config values, else the manifest's statistics; one-value lists
// broadcast to every channel. ConfigError naming the key for a wrong channel count.
models::latent::LatentScaling latent_scaling(const LatentDatasetConfig& config, const storage::LatentShardInfo& info);

// The decoder record of the run (models/latent/pixel_decoder.h): null for pixel runs.
nlohmann::json image_decoder_record(const RunConfig& config);

// The pixel dataset behind the run: dataset.dir, or for a latent run the dataset it was
// encoded from (latent.source.dataset). Evaluation computes reference features there.
std::string pixel_dataset_dir(const RunConfig& config);

}  // namespace dact::launch
