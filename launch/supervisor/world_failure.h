#pragma once
// Why a world ended badly, from the three witnesses the supervisor has: mpirun's own
// notice (which rank, which signal or exit code: names even a SIGKILLed coordinator),
// RUN/failure.json (the error message of a rank that threw), and mpirun's exit status
// (128 + n when the first rank to fail was killed by signal n, even if no notice says so).
// Rank and role are "unknown" (-1) when nobody named one.
#include <optional>
#include <string>
#include <vector>

#include "coordinator/role_map.h"
#include "launch/supervisor/failure_record.h"
#include "launch/supervisor/mpi_world.h"
#include "launch/supervisor/mpirun_notice.h"

namespace dact::launch {

struct WorldFailure {
  std::string cause;  // "signal", "error", "exit", "host" or "unknown"
  int rank = -1;
  std::string role = "unknown";
  int role_index = -1;
  int exit_code = -1;  // of the failed rank, else of mpirun
  int signal = 0;      // that killed the failed rank (or mpirun)
  std::string error;   // the failed rank's message, when it wrote one
  std::string host;    // cause "host": the host whose mpirun daemon was lost
  // mpirun notices that could not be read (numbers out of range, a rank outside the world).
  std::vector<std::string> unparsed_notices;
  std::string describe() const;
};

WorldFailure diagnose_world_failure(const MpirunNotice& notice, const std::optional<FailureRecord>& record,
                                    const WorldExit& exit, const std::vector<coordinator::RankRole>& ranks);

}  // namespace dact::launch
