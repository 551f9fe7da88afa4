#include "launch/commands/evaluator_command.h"

#include <memory>

#include "launch/roles/joined_evaluator.h"

namespace dact::launch {

void add_evaluator_command(CLI::App& app) {
  auto request = std::make_shared<JoinedEvaluatorRequest>();
  CLI::App* command = app.add_subcommand(
      "evaluator", "Join a running run as an evaluator (over TCP) until the run ends");
  command->add_option("--run-dir", request->run_dir, "The run's directory (config, join token)")->required();
  command->add_option("--join", request->join, "Coordinator HOST:PORT (default: RUN/coordinator_address)");
  command->add_option("--token-file", request->token_file, "Join token file (default: RUN/join_token)");
  command->add_option("--name", request->name, "Name in logs and metrics.jsonl (default evaluator@HOST:PID)");
  command->add_option("--join-timeout-s", request->join_timeout_s, "Give up when not admitted by then");
  command->callback([request] { run_joined_evaluator(*request); });
}

}  // namespace dact::launch
