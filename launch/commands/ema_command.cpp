#include "launch/commands/ema_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "workers/ema/posthoc_coefficients.h"

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
}

}  // namespace dact::launch
