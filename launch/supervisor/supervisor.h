#pragma once
// `dact train`'s supervisor: runs the run's MPI world until training is done, and
//  - after a failure (any rank killed or failing, mpirun exiting non-zero) makes sure
//    the whole world is gone, waits a back-off, and starts a new world from the newest
//    checkpoint that verifies, up to run.max_restarts times; each restart is a line in
//    RUN/restarts.jsonl;
//  - on SIGTERM/SIGUSR1/SIGINT asks the world to stop early (RUN/stop_request): the
//    trainers checkpoint at the step they agree on and every rank exits 0;
//  - applies checkpoint retention (run.keep_last_checkpoints / keep_checkpoints_every_steps).
// DACT_FAULT_INJECT (storage/fault_injection.h) reaches the first world only, so an
// injected fault is a single fault.
#include <string>

#include "launch/config/run_config.h"

namespace dact::launch {

enum class SupervisedEnd { kFinished, kStopped };

// Returns how the run ended; throws RunGaveUp after max_restarts failed worlds, or
// std::runtime_error when a world fails after a stop was requested.
SupervisedEnd supervise_training(const RunConfig& config, const std::string& run_dir,
                                 const std::string& mpirun_args);

class RunGaveUp : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace dact::launch
