#include "launch/commands/ema_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "launch/commands/ema_sweep_command.h"
#include "storage/run_directory.h"
#include "workers/ema/posthoc_coefficients.h"
#include "workers/ema/posthoc_reconstruction.h"

namespace dact::launch {
namespace {

struct EmaSolveOptions {
  std::vector<double> in_nimg;
  std::vector<double> in_std;
  double out_nimg = 0;
  std::vector<double> out_std;
};

void run_ema_solve(const EmaSolveOptions& options) {
  const torch::Tensor X = workers::ema::solve_posthoc_coefficients(
      options.in_nimg, options.in_std, options.out_nimg, options.out_std);
  const auto x = X.accessor<double, 2>();
  std::string json = "{\"coefficients\": [";
  char number[32];
  for (int64_t i = 0; i < X.size(0); ++i) {
    json += i == 0 ? "[" : ", [";
    for (int64_t k = 0; k < X.size(1); ++k) {
      std::snprintf(number, sizeof(number), "%.17g", x[i][k]);
      json += (k == 0 ? "" : ", ") + std::string(number);
    }
    json += "]";
  }
  json += "]}\n";
  std::fputs(json.c_str(), stdout);
}

struct EmaReconstructOptions {
  std::string run_dir;
  std::vector<double> out_std;
  double out_kimg = 0;
  std::string out_dir;
};

void run_ema_reconstruct(const EmaReconstructOptions& options) {
  const storage::RunDirectory run(options.run_dir);
  std::vector<std::string> snapshots;
  for (int64_t nimg : run.snapshot_nimgs()) snapshots.push_back(run.snapshot_path(nimg));
  if (snapshots.empty()) throw std::runtime_error(options.run_dir + ": no snapshots to reconstruct from");
  for (const auto& output : workers::ema::reconstruct_posthoc_ema(snapshots, options.out_std,
                                                                  options.out_kimg * 1000, options.out_dir)) {
    std::printf("std %.3f: %s\n", output.std, output.path.c_str());
  }
}

}  // namespace

void add_ema_commands(CLI::App& app) {
  CLI::App* ema = app.add_subcommand("ema", "Post-hoc EMA (EDM2 power-function profiles)");
  ema->require_subcommand(1);

  auto options = std::make_shared<EmaSolveOptions>();
  CLI::App* solve = ema->add_subcommand(
      "solve", "Print the weights of stored snapshots in reconstructed EMA profiles as JSON");
  solve->add_option("--in-nimg", options->in_nimg, "Training images of each input snapshot")
      ->required()->delimiter(',');
  solve->add_option("--in-std", options->in_std, "Relative EMA std of each input snapshot")
      ->required()->delimiter(',');
  solve->add_option("--out-nimg", options->out_nimg, "Training images of the output profiles")
      ->required();
  solve->add_option("--out-std", options->out_std, "Relative EMA std of each output profile")
      ->required()->delimiter(',');
  solve->callback([options] { run_ema_solve(*options); });

  auto reconstruct_options = std::make_shared<EmaReconstructOptions>();
  CLI::App* reconstruct = ema->add_subcommand(
      "reconstruct", "Write EMA weights of any std, combined from a run's snapshots");
  reconstruct->add_option("--run-dir", reconstruct_options->run_dir, "Run directory")->required();
  reconstruct->add_option("--std", reconstruct_options->out_std, "Relative EMA std of each output")
      ->required()->delimiter(',');
  reconstruct->add_option("--out-kimg", reconstruct_options->out_kimg,
                          "Training time of the outputs (default: the newest snapshot)");
  reconstruct->add_option("--out", reconstruct_options->out_dir, "Output directory")->required();
  reconstruct->callback([reconstruct_options] { run_ema_reconstruct(*reconstruct_options); });

  add_ema_sweep_commands(*ema);
}

}  // namespace dact::launch
