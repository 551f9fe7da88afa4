#include "launch/commands/train_command.h"

#include <glog/logging.h>
#include <torch/torch.h>
#include <unistd.h>

#include <memory>

#include "launch/roles/worker_main.h"
#include "launch/training_run.h"

namespace dact::launch {
namespace {

struct WorkerArguments {
  std::string run_dir;
  int64_t resume_step = 0;
};

void train(const TrainRequest& request, const std::string& mpirun_args) {
  if (train_run(request, mpirun_args) == SupervisedEnd::kStopped) {
    // Exit 0: the run is consistent on disk; a requeued job (or the user) resumes it.
    LOG(INFO) << "stopped early on request; `dact train --run-dir " << request.run_dir << "` resumes";
  }
}

}  // namespace

void add_train_commands(CLI::App& app) {
  auto request = std::make_shared<TrainRequest>();
  auto mpirun_args = std::make_shared<std::string>();
  CLI::App* train_command = app.add_subcommand(
      "train", "Train a diffusion model (resumes when RUN already holds a run)");
  train_command->add_option("--run-dir", request->run_dir, "Run directory")->required();
  train_command->add_option("--preset", request->preset, "Preset in configs/ (default fashion-mnist)");
  train_command->add_option("--config", request->config_file, "Config file (JSON or YAML)");
  train_command->add_option("--set", request->overrides, "Override a config key: a.b=value")
      ->take_all();
  train_command->add_option("--duration-kimg", request->duration_kimg, "Training length in kimg");
  train_command->add_option("--mpirun-args", *mpirun_args, "Extra arguments for mpirun (e.g. a hostfile)");
  train_command->callback([request, mpirun_args] { train(*request, *mpirun_args); });

  auto worker = std::make_shared<WorkerArguments>();
  CLI::App* worker_command = app.add_subcommand("worker", "One rank of a training run (started by dact train)");
  worker_command->add_option("--run-dir", worker->run_dir, "Run directory")->required();
  worker_command->add_option("--resume-step", worker->resume_step, "Checkpoint step to resume from");
  worker_command->callback([worker] { run_worker(worker->run_dir, worker->resume_step); });
}

}  // namespace dact::launch
