#include "launch/supervisor/world_failure.h"

#include <fmt/format.h>

#include "launch/supervisor/stop_signals.h"

namespace dact::launch {

std::string WorldFailure::describe() const {
  std::string who = rank >= 0 ? fmt::format("rank {} ({} {})", rank, role, role_index) : "an unknown rank";
  if (cause == "signal") return fmt::format("{} was killed by {}", who, signal_name(signal));
  if (cause == "error") return fmt::format("{} failed: {}", who, error);
  if (cause == "exit") return fmt::format("{} exited with code {}", who, exit_code);
  return signal != 0 ? fmt::format("mpirun was killed by {}", signal_name(signal))
                     : fmt::format("mpirun exited with code {} and named no rank", exit_code);
}

WorldFailure diagnose_world_failure(const MpirunNotice& notice, const std::optional<FailureRecord>& record,
                                    const WorldExit& exit, const std::vector<coordinator::RankRole>& ranks) {
  WorldFailure failure;
  failure.exit_code = exit.exit_code;
  failure.signal = exit.signal;
  failure.cause = "unknown";
  if (notice.rank() >= 0 && notice.signal() != 0) {
    // A rank killed by a signal never wrote failure.json; any record is a consequence.
    failure.cause = "signal";
    failure.rank = notice.rank();
    failure.signal = notice.signal();
    failure.exit_code = -1;
  } else if (record) {
    failure.cause = "error";
    failure.rank = record->rank;
    failure.error = record->error;
    failure.exit_code = notice.rank() == record->rank ? notice.exit_code() : 1;
    failure.signal = 0;
  } else if (notice.rank() >= 0) {
    failure.cause = "exit";
    failure.rank = notice.rank();
    failure.exit_code = notice.exit_code();
    failure.signal = 0;
  }
  if (failure.rank >= 0 && static_cast<size_t>(failure.rank) < ranks.size()) {
    failure.role = ranks[failure.rank].role;
    failure.role_index = ranks[failure.rank].role_index;
  }
  return failure;
}

}  // namespace dact::launch
