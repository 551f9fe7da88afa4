#pragma once
// One `dact train` invocation from request to end: resolve the config, make the dataset
// (convert_from, or encode_from's stages, which may train an autoencoder run through
// this same function), record RUN/config.json, check the data fits the run, make the
// evaluation files, and supervise the MPI world (launch/supervisor/supervisor.h).
#include <string>

#include "launch/run_setup.h"
#include "launch/supervisor/supervisor.h"

namespace dact::launch {

// kStopped when a stop signal ended it early (the run resumes when run again).
// Throws config::ConfigError / storage::StorageError naming the key or file for what
// a restart cannot cure, RunGaveUp after run.max_restarts failed worlds.
SupervisedEnd train_run(const TrainRequest& request, const std::string& mpirun_args);

}  // namespace dact::launch
