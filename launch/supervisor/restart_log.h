#pragma once
// RUN/restarts.jsonl: one JSON line per restart of the MPI world by the supervisor, so a
// user sees what failed, when, and what it cost. Fields: time (unix s), restart (1..),
// cause, rank, role, role_index, exit_code, signal, error, failed_after_step (the last
// step in stats.jsonl: a lower bound, exact to one status interval), resumed_from_step,
// work_lost_steps, backoff_s.
#include <cstdint>
#include <string>

#include "launch/supervisor/world_failure.h"

namespace dact::launch {

struct RestartRecord {
  double time = 0;
  int restart = 0;
  WorldFailure failure;
  int64_t failed_after_step = 0;
  int64_t resumed_from_step = 0;
  double backoff_s = 0;
  int64_t work_lost_steps() const {
    return failed_after_step > resumed_from_step ? failed_after_step - resumed_from_step : 0;
  }
};

void append_restart_record(const std::string& path, const RestartRecord& record);

// The "step" of the last complete line of stats.jsonl, or 0.
int64_t last_reported_step(const std::string& stats_path);

}  // namespace dact::launch
