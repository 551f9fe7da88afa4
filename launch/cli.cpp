#include "launch/cli.h"

#include <CLI/CLI.hpp>
#include <glog/logging.h>

#include <exception>
#include <iostream>

#include "launch/commands/dataset_command.h"
#include "launch/commands/ema_command.h"
#include "launch/commands/eval_command.h"
#include "launch/commands/evaluator_command.h"
#include "launch/commands/features_command.h"
#include "launch/commands/model_command.h"
#include "launch/commands/sample_command.h"
#include "launch/commands/schedule_command.h"
#include "launch/commands/status_command.h"
#include "launch/commands/train_command.h"

namespace dact::launch {

int run_cli(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  CLI::App app{"dact: diffusion training actors"};
  app.require_subcommand(1);
  add_dataset_commands(app);
  add_ema_commands(app);
  add_eval_commands(app);
  add_evaluator_command(app);
  add_features_commands(app);
  add_model_commands(app);
  add_sample_command(app);
  add_schedule_commands(app);
  add_status_commands(app);
  add_train_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "dact: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace dact::launch
