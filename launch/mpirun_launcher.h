#pragma once
// Starts the MPI world of a run: `mpirun -np <1 + all roles> dact worker --run-dir RUN
// --resume-step S`, with every line of its output copied to the terminal and appended
// to RUN/log.txt. Returns mpirun's exit code (non-zero when any rank failed).
#include <string>

#include "launch/config/run_config.h"

namespace dact::launch {

int world_size_of(const RunConfig& config);

int run_mpi_world(const RunConfig& config, const std::string& run_dir, int64_t resume_step,
                  const std::string& extra_mpirun_args);

}  // namespace dact::launch
