#include "launch/commands/sampling_cli.h"

#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "launch/config/schedule_file.h"

namespace dact::launch {
namespace {

// EDM's sampler controls (models/diffusion/edm_sampler_controls.h); unset = the sampler's default.
void add_edm_controls(CLI::App& command, models::EdmSamplerControls& edm) {
  const auto control = [&command](const std::string& name, std::optional<double>& value, const std::string& help) {
    command.add_option_function<double>(
        name, [&value](double given) { value = given; },
        help + " (EDM-preconditioned families; default: the sampler's, see README)");
  };
  control("--rho", edm.rho, "Exponent of EDM's noise-level schedule");
  control("--sigma-min", edm.sigma_min, "Lowest noise level of the schedule");
  control("--sigma-max", edm.sigma_max, "Highest noise level of the schedule");
  control("--churn", edm.S_churn, "Stochasticity S_churn (heun, euler: EDM's; sed: the SDE's noise rate)");
  control("--s-min", edm.S_min, "Add noise only at sigma >= s-min");
  control("--s-max", edm.S_max, "Add noise only at sigma <= s-max");
  control("--s-noise", edm.S_noise, "Inflation of the added noise's std");
}

}  // namespace

void add_sampling_options(CLI::App& command, workers::evaluator::EvaluationJob& job) {
  command.add_option("--sampler", job.sampler,
                     "Sampler of the model family: heun|euler|sed (edm2-precond, edm-precond), euler|heun|euler-stochastic "
                     "(dit-flow), ddpm|ddim (dit-ddpm), ddpm (dit-energy), ddpm (mar); default: the family's first");
  CLI::Option* steps =
      command.add_option("--steps,--diffusion-steps", job.steps, "Sampler steps (mar: the DiffLoss sampler's, per token)")
          ->capture_default_str();
  command.add_option("--cfg,--guidance", job.guidance,
                     "Guidance weight w (1 = none): classifier-free, or autoguidance with --guide-snapshot")
      ->capture_default_str();
  command.add_option("--cfg-schedule", job.guidance_ramp,
                     "constant, or linear: from no guidance at the first step (mar: round) to --cfg at the last")
      ->check(CLI::IsMember({"constant", "linear"}))
      ->capture_default_str();
  command
      .add_option_function<std::vector<double>>(
          "--cfg-interval,--guidance-interval",
          [&job](const std::vector<double>& interval) {
            if (!(interval[0] < interval[1])) throw CLI::ValidationError("--cfg-interval", "needs low < high");
            job.guidance_low = interval[0];
            job.guidance_high = interval[1];
          },
          "Guide only at noise levels in (low, high]: sigma for edm2-precond, t in [0, 1] for the DiT families "
          "(EDM2's guidance interval)")
      ->delimiter(',')
      ->expected(2);
  command.add_option("--time-shift", job.time_shift, "Flows: SD3's time-grid shift s (1 = uniform)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  add_edm_controls(command, job.edm);
  command
      .add_option_function<std::string>(
          "--schedule",
          [&job, steps](const std::string& path) {
            job.edm.sigmas = read_schedule_file(path);
            const auto levels = static_cast<int64_t>(job.edm.sigmas.size());
            if (steps->count() > 0 && job.steps != levels) {
              throw CLI::ValidationError("--schedule", fmt::format("{} has {} noise levels, --steps says {}", path,
                                                                    levels, job.steps));
            }
            job.steps = levels;
          },
          "A learned schedule (`dact schedule learn`): its noise levels replace the rho-schedule of heun and euler; "
          "sets --steps")
      ->check(CLI::ExistingFile);
  command.add_option_function<double>(
      "--mcmc-steps-base", [&job](double b) { job.mcmc.steps_base = b; },
      "dit-energy: b of the MCMC refinement's S = clamp(int(b (1 + 2 t / T)), 1, 10) steps (default 5)");
  command.add_option_function<double>(
      "--mcmc-step-size", [&job](double alpha) { job.mcmc.step_size = alpha; },
      "dit-energy: MCMC step size alpha (default: the model's, learned or configured)");
  command.add_flag("--no-mcmc", job.mcmc.off, "dit-energy: no MCMC refinement (plain ancestral DDPM)");
  command.add_option_function<int64_t>(
      "--num-iter", [&job](int64_t rounds) { job.masked.num_iter = rounds; },
      "mar: rounds of generation, each unmasking tokens on MAR's cosine schedule (default 64, at most one per token)");
  command.add_option_function<double>(
      "--temperature", [&job](double temperature) { job.masked.temperature = temperature; },
      "mar: scale of the DiffLoss sampler's step noise (default 1; 0 = the chain of means)");
  command.add_option("--guide-snapshot", job.guide_snapshot,
                     "Autoguidance: a snapshot (an earlier one of the run, or a smaller model of the same family and "
                     "image shape) whose network is D_guide in D = D_guide + w (D_main - D_guide)")
      ->check(CLI::ExistingFile);
  command.add_option("--guide-std", job.guide_std, "EMA track (its relative std) of --guide-snapshot")
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
