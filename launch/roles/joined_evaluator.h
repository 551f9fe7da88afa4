#pragma once
// `dact evaluator --join HOST:PORT --run-dir RUN`: an evaluator that joins a running run
// over TCP, takes "evaluate" jobs until the coordinator shuts the run down, and may be
// stopped or killed at any moment (its leases then go to other evaluators).
#include <string>

namespace dact::launch {

struct JoinedEvaluatorRequest {
  std::string run_dir;     // reads RUN/config.json (its hash must match the coordinator's)
  std::string join;        // HOST:PORT; empty: RUN/coordinator_address (waited for)
  std::string token_file;  // empty: RUN/join_token
  std::string name;        // for logs and metrics.jsonl; empty: evaluator@HOST:PID
  double join_timeout_s = 60;  // give up when not admitted (or no address file) by then
};

// Returns when the coordinator ends the run; throws (naming the address or file) when
// the join is refused, does not happen in time, or the coordinator is lost.
void run_joined_evaluator(const JoinedEvaluatorRequest& request);

}  // namespace dact::launch
