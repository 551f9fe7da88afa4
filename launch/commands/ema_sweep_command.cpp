#include "launch/commands/ema_sweep_command.h"

#include <fmt/format.h>
#include <glog/logging.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "launch/commands/sampling_cli.h"
#include "launch/evaluation_setup.h"
#include "launch/mpirun_launcher.h"
#include "launch/run_setup.h"
#include "launch/supervisor/mpi_world.h"
#include "launch/supervisor/stop_signals.h"
#include "launch/sweep/sweep_files.h"
#include "launch/sweep/sweep_grid.h"
#include "launch/sweep/sweep_plot.h"
#include "launch/sweep/sweep_world.h"
#include "storage/storage_error.h"
#include "workers/ema/posthoc_reconstruction.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

struct EmaSweepOptions {
  std::string run_dir;
  std::string stds;
  std::string guidance = "1";
  int64_t num = 0;    // 0: the run's eval.num_images
  int64_t batch = 0;  // 0: the run's eval.batch
  double at_kimg = 0;
  std::string name = "sweep";
  int evaluators = -1;  // MPI evaluator ranks; -1: the run's roles.evaluator, at least 1
  std::string mpirun_args;
  workers::evaluator::EvaluationJob job;  // the sampler options of `dact eval`
  bool sampler_given = false, steps_given = false;  // else the run's eval.sampler, eval.steps
};

SweepPlan plan_of(const EmaSweepOptions& options, const RunConfig& config) {
  SweepPlan plan;
  plan.stds = parse_std_range(options.stds);
  plan.guidances = parse_guidance_list(options.guidance);
  plan.at_kimg = options.at_kimg;
  plan.num_images = options.num > 0 ? options.num : config.eval.num_images;
  plan.part_images = config.eval.part_images;
  plan.lease_timeout_s = config.eval.lease_timeout_s;
  plan.job = options.job;
  if (!options.sampler_given) plan.job.sampler = config.eval.sampler;
  if (!options.steps_given) plan.job.steps = config.eval.steps;
  plan.job.batch = options.batch > 0 ? options.batch : config.eval.batch;
  plan.job.feature_weights = feature_weights_path(config);
  if (plan.num_images < 2) throw std::invalid_argument("--num: an FD needs at least 2 images");
  return plan;
}

// The reconstructed snapshot of every std, made in one pass over the snapshot files for
// the stds a previous start of the sweep has not left complete (files are written atomically).
std::vector<std::string> reconstruct(const storage::RunDirectory& run, const SweepPlan& plan,
                                     const std::vector<std::string>& previous, const std::string& out_dir) {
  std::vector<std::string> paths(plan.stds.size());
  std::vector<double> missing;
  for (size_t i = 0; i < plan.stds.size(); ++i) {
    if (i < previous.size() && fs::exists(previous[i])) {
      paths[i] = previous[i];
    } else {
      missing.push_back(plan.stds[i]);
    }
  }
  if (missing.empty()) return paths;
  std::vector<std::string> snapshots;
  uintmax_t bytes = 0;
  for (int64_t nimg : run.snapshot_nimgs()) {
    snapshots.push_back(run.snapshot_path(nimg));
    bytes += fs::file_size(snapshots.back());
  }
  if (snapshots.empty()) throw storage::StorageError(run.root(), "no snapshots to reconstruct from");
  const auto start = std::chrono::steady_clock::now();
  const std::vector<workers::ema::ReconstructedEma> made =
      workers::ema::reconstruct_posthoc_ema(snapshots, missing, plan.at_kimg * 1000, out_dir);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  LOG(INFO) << fmt::format("reconstructed {} stds from {} snapshots ({:.1f} MB) in {:.2f} s ({:.1f} MB/s read)",
                           missing.size(), snapshots.size(), bytes / 1e6, seconds, bytes / 1e6 / seconds);
  size_t next = 0;
  for (std::string& path : paths) {
    if (path.empty()) path = fs::absolute(made.at(next++).path).string();
  }
  return paths;
}

// Runs the sweep's MPI world to its end; a stop signal (Ctrl-C, SIGTERM) ends it, and
// the finished parts stay for the next start.
void run_world(const RunConfig& config, const EmaSweepOptions& options, int evaluators, const std::string& log) {
  RunConfig world = config;
  world.roles = {{"evaluator", evaluators}};
  const std::vector<std::string> command =
      mpirun_command(world, {"ema", "sweep-world", "--run-dir", options.run_dir, "--name", options.name},
                     options.mpirun_args);
  become_subreaper();
  install_supervisor_stop_signals();
  MpiWorld mpi(command, log);
  while (mpi.pump_output(0.2, [](const std::string&) {})) {
    if (stop_signals_received() > 0) {
      mpi.end(5.0);
      throw std::runtime_error(fmt::format("stopped by {}; the same command continues the sweep",
                                           signal_name(last_stop_signal())));
    }
  }
  const WorldExit exit = mpi.wait();
  mpi.end(2.0);
  if (!exit.ok()) {
    throw std::runtime_error(fmt::format("the sweep's MPI world failed (exit code {}, signal {}); see {}; the "
                                         "same command continues the sweep",
                                         exit.exit_code, exit.signal, log));
  }
}

void run_ema_sweep(const EmaSweepOptions& options) {
  const storage::RunDirectory run(fs::absolute(options.run_dir).string());
  RunConfig config = load_run_config(run.root());
  config.eval.enabled = true;  // the feature net and reference statistics, made if missing
  SweepPlan plan = plan_of(options, config);
  ensure_evaluation_files(config);

  const SweepFiles files(run, options.name);
  std::vector<std::string> previous;
  if (fs::exists(files.plan_path())) {
    const SweepPlan stored = read_sweep_plan(files.plan_path());
    if (!stored.same_sweep_as(plan)) {
      throw std::invalid_argument(fmt::format("{} holds another sweep (other stds, guidance or settings): pass "
                                              "another --name, or remove it to start over",
                                              files.plan_path()));
    }
    previous = stored.reconstructions;
  }
  fs::create_directories(files.reconstruction_dir());
  plan.reconstructions = reconstruct(run, plan, previous, files.reconstruction_dir());
  write_sweep_plan(files.plan_path(), plan);

  const auto configured = config.roles.find("evaluator");
  const int evaluators = options.evaluators >= 0 ? options.evaluators
                         : configured != config.roles.end() ? std::max(1, configured->second)
                                                            : 1;
  LOG(INFO) << fmt::format("sweep '{}': {} stds x {} guidance weights, {} images each, on {} evaluators (more join "
                           "with: dact evaluator --run-dir {})",
                           options.name, plan.stds.size(), plan.guidances.size(), plan.num_images, evaluators,
                           run.root());
  run_world(config, options, evaluators, fs::path(files.plan_path()).parent_path() / "log.txt");

  const std::map<size_t, nlohmann::json> lines = files.read_table(plan);
  if (lines.size() != plan.pair_count()) {
    throw std::runtime_error(fmt::format("{}: {} of {} pairs measured", files.table_path(), lines.size(),
                                         plan.pair_count()));
  }
  write_sweep_plot(run.sweep_plot_path(options.name), plan, lines);
  const auto best = std::min_element(lines.begin(), lines.end(), [](const auto& a, const auto& b) {
    return sweep_line_fd(a.second) < sweep_line_fd(b.second);
  });
  std::printf("%s\n%s\nbest: std %.4g guidance %.4g fd %.6g\n", files.table_path().c_str(),
              run.sweep_plot_path(options.name).c_str(), best->second.at("std").get<double>(),
              best->second.at("guidance").get<double>(), sweep_line_fd(best->second));
}

}  // namespace

void add_ema_sweep_commands(CLI::App& ema) {
  auto options = std::make_shared<EmaSweepOptions>();
  CLI::App* sweep = ema.add_subcommand(
      "sweep", "Reconstruct many EMA stds from a run's snapshots and evaluate every (std, guidance) pair");
  sweep->add_option("--run-dir", options->run_dir, "Run directory")->required();
  sweep->add_option("--stds", options->stds, "EMA stds LOW:HIGH:COUNT, both ends included (e.g. 0.01:0.20:20)")
      ->required();
  sweep->add_option("--num", options->num, "Images per pair (default: the run's eval.num_images)");
  sweep->add_option("--at-kimg", options->at_kimg, "Training time of the reconstructions (default: the newest snapshot)");
  sweep->add_option("--name", options->name, "Sweep name: RUN/sweeps/NAME.jsonl, .png")->capture_default_str();
  sweep->add_option("--evaluators", options->evaluators,
                    "Evaluator ranks of the sweep's MPI world (default: the run's roles.evaluator, at least 1; 0: "
                    "only evaluators that join)");
  sweep->add_option("--mpirun-args", options->mpirun_args, "Extra arguments for mpirun (e.g. a hostfile)");
  add_sampling_options(*sweep, options->job);
  // One guidance weight per line of the plot instead of one for all.
  sweep->remove_option(sweep->get_option("--cfg"));
  sweep->add_option("--guidance,--cfg", options->guidance, "Guidance weights, comma-separated (1 = none)")
      ->capture_default_str();
  sweep->add_option("--seed", options->job.seed_begin, "First image seed")->capture_default_str();
  sweep->add_option("--batch", options->batch, "Images per sampling batch (default: the run's eval.batch)");
  const CLI::Option* sampler = sweep->get_option("--sampler");
  const CLI::Option* steps = sweep->get_option("--steps");
  const CLI::Option* schedule = sweep->get_option("--schedule");  // sets the steps too
  sweep->callback([options, sampler, steps, schedule] {
    options->sampler_given = sampler->count() > 0;
    options->steps_given = steps->count() > 0 || schedule->count() > 0;
    run_ema_sweep(*options);
  });

  auto world = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* world_command = ema.add_subcommand("sweep-world", "One rank of a sweep's MPI world (started by ema sweep)");
  world_command->group("");  // not for users
  world_command->add_option("--run-dir", world->first, "Run directory")->required();
  world_command->add_option("--name", world->second, "Sweep name")->required();
  world_command->callback([world] { run_sweep_world(world->first, world->second); });
}

}  // namespace dact::launch
