#pragma once
// `dataset.encode_from` (launch/config/dataset_config.h): how `dact train` makes a
// latent dataset before any rank starts, in two stages. Each is skipped when its
// output exists and verifies, and each leaves its complete output or none that a
// later run trusts, so an interrupted `dact train` continues where it stopped:
//  1. the autoencoder weights file: when missing, train (or resume) `autoencoder_run`
//     through train_run, the same supervisor and mpirun path as any run, then export
//     its EMA track to the file (autoencoder_export.h; temp name, fsync, rename);
//  2. the latent shards: encode `source` into dataset.dir as `dact dataset encode`
//     does (dataset_encode.h: resumable shard by shard, manifest.json written last).
// The guard rails of latent_run_setup.h then check the result like any latent dataset
// (e.g. latents made with other weights than the file now holds).
#include <string>

#include "launch/config/run_config.h"
#include "launch/supervisor/supervisor.h"

namespace dact::launch {

// kStopped when a stop signal ended the autoencoder's training first (nothing else is
// done; the next `dact train` resumes it). Errors name the dataset.encode_from key:
// no weights file and no autoencoder_run, an autoencoder_run that is no kl-autoencoder
// run or has an encode_from of its own, a source without a dataset.
SupervisedEnd ensure_encoded_dataset(const RunConfig& config, const std::string& mpirun_args);

}  // namespace dact::launch
