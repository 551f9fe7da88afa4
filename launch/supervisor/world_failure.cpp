#include "launch/supervisor/world_failure.h"

#include <fmt/format.h>

#include "launch/supervisor/stop_signals.h"

namespace dact::launch {

namespace {

std::string describe_cause(const WorldFailure& failure) {
  std::string who = failure.rank >= 0
                        ? fmt::format("rank {} ({} {})", failure.rank, failure.role, failure.role_index)
                        : "an unknown rank";
  if (failure.cause == "signal") return fmt::format("{} was killed by {}", who, signal_name(failure.signal));
  if (failure.cause == "error") return fmt::format("{} failed: {}", who, failure.error);
  if (failure.cause == "exit") return fmt::format("{} exited with code {}", who, failure.exit_code);
  if (failure.cause == "host") {
    return fmt::format("mpirun lost its daemon on host {}: the host or its network failed", failure.host);
  }
  return failure.signal != 0 ? fmt::format("mpirun was killed by {}", signal_name(failure.signal))
                             : fmt::format("mpirun exited with code {} and named no rank", failure.exit_code);
}

}  // namespace

std::string WorldFailure::describe() const {
  std::string text = describe_cause(*this);
  for (const std::string& line : unparsed_notices) text += fmt::format(" (unreadable mpirun notice: '{}')", line);
  return text;
}

WorldFailure diagnose_world_failure(const MpirunNotice& notice, const std::optional<FailureRecord>& record,
                                    const WorldExit& exit, const std::vector<coordinator::RankRole>& ranks) {
  WorldFailure failure;
  failure.exit_code = exit.exit_code;
  failure.signal = exit.signal;
  failure.cause = "unknown";
  failure.unparsed_notices = notice.unparsed();
  const bool notice_names_rank = notice.rank() >= 0 && static_cast<size_t>(notice.rank()) < ranks.size();
  if (notice.rank() >= 0 && !notice_names_rank) {
    failure.unparsed_notices.push_back(
        fmt::format("rank {} of a world of {} ranks", notice.rank(), ranks.size()));
  }
  // mpirun exits with the status of the first rank that failed: 128 + n for signal n.
  // Under load Open MPI 4.1 sometimes prints no notice at all for a killed rank.
  const bool first_failure_was_a_signal = exit.signal == 0 && exit.exit_code > 128 && exit.exit_code < 128 + 65;
  if (notice_names_rank && notice.signal() != 0) {
    // A rank killed by a signal never wrote failure.json; any record is a consequence.
    failure.cause = "signal";
    failure.rank = notice.rank();
    failure.signal = notice.signal();
    failure.exit_code = -1;
  } else if (!notice_names_rank && !notice.lost_host().empty()) {
    // The ranks of that host died with it (or are cut off): any record is a consequence.
    failure.cause = "host";
    failure.host = notice.lost_host();
  } else if (!notice_names_rank && first_failure_was_a_signal) {
    failure.cause = "signal";
    failure.signal = exit.exit_code - 128;
  } else if (record) {
    failure.cause = "error";
    failure.rank = record->rank;
    failure.error = record->error;
    failure.exit_code = notice_names_rank && notice.rank() == record->rank ? notice.exit_code() : 1;
    failure.signal = 0;
  } else if (notice_names_rank) {
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
