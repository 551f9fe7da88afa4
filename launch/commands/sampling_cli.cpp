#include "launch/commands/sampling_cli.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <thread>
#include <vector>

namespace dact::launch {

void add_sampling_options(CLI::App& command, workers::evaluator::EvaluationJob& job) {
  command.add_option("--sampler", job.sampler,
                     "Sampler of the model family: heun|euler (edm2-precond), euler|heun|euler-stochastic "
                     "(dit-flow), ddpm|ddim (dit-ddpm); default: the family's first");
  command.add_option("--steps", job.steps, "Sampler steps")->capture_default_str();
  command.add_option("--cfg", job.guidance, "Classifier-free guidance weight (1 = none)")->capture_default_str();
  command.add_option("--cfg-schedule", job.guidance_ramp,
                     "constant, or linear: from no guidance at the first step to --cfg at the last")
      ->check(CLI::IsMember({"constant", "linear"}))
      ->capture_default_str();
  command
      .add_option_function<std::vector<double>>(
          "--cfg-interval",
          [&job](const std::vector<double>& interval) {
            if (!(interval[0] < interval[1])) throw CLI::ValidationError("--cfg-interval", "needs low < high");
            job.guidance_low = interval[0];
            job.guidance_high = interval[1];
          },
          "Guide only at noise levels in (low, high]: sigma for edm2-precond, t in [0, 1] for the DiT families")
      ->delimiter(',')
      ->expected(2);
  command.add_option("--time-shift", job.time_shift, "Flows: SD3's time-grid shift s (1 = uniform)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

void add_threads_option(CLI::App& command, int& threads) {
  command.add_option("--threads", threads, "LibTorch threads (0 = every core)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

void use_threads(int threads) {
  at::set_num_threads(threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

}  // namespace dact::launch
