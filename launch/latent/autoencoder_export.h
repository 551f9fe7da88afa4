#pragma once
// A trained kl-autoencoder run -> the weights file `dact dataset encode` takes
// (models/latent/autoencoder_weights.h): the EMA track the run's evaluation scores
// (eval.ema_std, or the classic track eval.ema), so the PSNR and FD in its
// metrics.jsonl describe the exported weights.
#include <string>

#include "launch/config/run_config.h"

namespace dact::launch {

// Exports that track at the newest checkpoint of `run_dir` that verifies, with the
// run's model section (without `arch`) as the file's config; written atomically.
// Throws storage::StorageError naming the run directory when it holds no checkpoint,
// config::ConfigError when the run is no kl-autoencoder run.
void export_autoencoder_weights(const RunConfig& run, const std::string& run_dir, const std::string& out);

}  // namespace dact::launch
