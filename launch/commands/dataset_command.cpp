#include "launch/commands/dataset_command.h"

namespace dact::launch {

void add_dataset_commands(CLI::App& app) {
  CLI::App* dataset = app.add_subcommand("dataset", "Convert, verify and inspect shard datasets");
  dataset->require_subcommand(1);
}

}  // namespace dact::launch
