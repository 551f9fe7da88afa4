#pragma once
// The command line of a run's MPI world: `mpirun -np <1 + all roles> dact worker
// --run-dir RUN --resume-step S`. Starting, watching and ending it is the supervisor's
// job (launch/supervisor/mpi_world.h).
#include <string>
#include <vector>

#include "launch/config/run_config.h"

namespace dact::launch {

int world_size_of(const RunConfig& config);
// Intra-op threads of the ranks that compute without pause: trainers and evaluators
// (RunConfig::threads_of per rank). The coordinator, data loaders and EMA actor sleep
// between messages, at a lower priority (run.nice), and are left out.
int compute_threads_of(const RunConfig& config);

// `-x OMP_WAIT_POLICY=PASSIVE` when the compute threads outnumber `cores` and the user
// has not chosen a policy (`user_policy` null), else nothing. With cores shared, an
// OpenMP thread spin-waiting at a barrier holds a core while its team mate, preempted by
// another rank, is the one the barrier waits for: with an evaluator beside it the
// trainer ran 2.2x slower spinning than sleeping (bench/results/evaluation.md).
std::vector<std::string> omp_wait_policy_args(const RunConfig& config, unsigned cores, const char* user_policy);

// Passes omp_wait_policy_args for this machine's cores and environment.
std::vector<std::string> mpirun_command(const RunConfig& config, const std::string& run_dir,
                                        int64_t resume_step, const std::string& extra_mpirun_args);
// The same for a world of config.roles whose ranks run `dact <dact_arguments>`.
std::vector<std::string> mpirun_command(const RunConfig& config, const std::vector<std::string>& dact_arguments,
                                        const std::string& extra_mpirun_args);

}  // namespace dact::launch
