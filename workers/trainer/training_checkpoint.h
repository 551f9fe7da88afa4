#pragma once
// What a trainer needs to resume exactly: the step (which fixes the data position
// and every random draw, see SampleOrder and step_generator), the network's state
// dict, the Adam state and the skipped-step counter. Stored as a storage tensor file
// (checksummed, written atomically); the run's config hash is checked on load, so a
// checkpoint never silently resumes a different configuration.
#include <string>

#include "storage/tensor_file.h"

namespace dact::workers::trainer {

struct TrainingCheckpoint {
  int64_t step = 0;
  int64_t nonfinite_steps_skipped = 0;
  // Training images seen when the EMA actor last got weights: a stop between EMA steps
  // (preemption) leaves it behind step * batch, and the next hand-off's delta needs it.
  // -1 when the file predates the field (then it equals step * batch).
  int64_t last_ema_nimg = -1;
  storage::NamedTensors model;      // state-dict name -> tensor (parameters and buffers)
  storage::NamedTensors optimizer;  // Adam::state()
};

void write_training_checkpoint(const std::string& path, const TrainingCheckpoint& checkpoint,
                               const std::string& config_hash);

// Throws storage::StorageError naming the file when it does not verify or was
// written by a run with another config hash.
TrainingCheckpoint read_training_checkpoint(const std::string& path, const std::string& config_hash);

}  // namespace dact::workers::trainer
