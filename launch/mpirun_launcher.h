#pragma once
// The command line of a run's MPI world: `mpirun -np <1 + all roles> dact worker
// --run-dir RUN --resume-step S`. Starting, watching and ending it is the supervisor's
// job (launch/supervisor/mpi_world.h).
#include <string>
#include <vector>

#include "launch/config/run_config.h"

namespace dact::launch {

int world_size_of(const RunConfig& config);

std::vector<std::string> mpirun_command(const RunConfig& config, const std::string& run_dir,
                                        int64_t resume_step, const std::string& extra_mpirun_args);

}  // namespace dact::launch
