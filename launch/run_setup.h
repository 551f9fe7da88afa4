#pragma once
// What `dact train` does before it starts the MPI world: resolve the config (preset or
// file, overrides), prepare the dataset, lay out the run directory, and find the step
// to resume from. A run directory that already holds a config resumes under that
// config; only its `run` section may change.
#include <string>
#include <vector>

#include "launch/config/run_config.h"

namespace dact::launch {

struct TrainRequest {
  std::string run_dir;
  std::string preset;       // used when config_file is empty; default "fashion-mnist"
  std::string config_file;
  std::vector<std::string> overrides;  // "a.b=value"
  double duration_kimg = 0;            // > 0: overrides run.duration_kimg
};

// The run's config, resolved and validated but not yet written: RUN/config.json when the
// run exists (only run.*, eval.* and roles.evaluator overrides allowed), else the config
// file or preset, with the request's overrides applied.
RunConfig resolve_run_config(const TrainRequest& request);

// Writes RUN/config.json ({"training_hash", "config"}) for `resolved` and returns the
// config as written: a latent run gets its dataset's latent statistics written in
// (latent_run_setup.h), so the dataset must exist (ensure_dataset).
RunConfig record_run_config(const std::string& run_dir, const RunConfig& resolved);

// Reads RUN/config.json as written by record_run_config.
RunConfig load_run_config(const std::string& run_dir);

// Converts config.dataset.convert_from into the dataset's parent folder when the dataset
// directory holds no manifest yet (dataset.encode_from is made before this, by
// launch/latent/encoded_dataset_stages.h), then verifies every shard against the manifest
// (checksums and structure): a StorageError naming each bad shard.
void ensure_dataset(const RunConfig& config);

// The newest step whose trainer checkpoint and EMA state both verify (0 if none);
// files that fail verification are reported with a warning naming them and skipped,
// never deleted.
int64_t find_resume_step(const std::string& run_dir, const std::string& config_hash);

// Reads the checkpoint and EMA state of `step` in full (every checksum); throws
// storage::StorageError naming the file that is missing, corrupt, of another config,
// or fails to read or interpret in any other way.
void verify_checkpoint(const std::string& run_dir, int64_t step, const std::string& config_hash);

}  // namespace dact::launch
