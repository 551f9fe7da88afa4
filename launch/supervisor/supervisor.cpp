#include "launch/supervisor/supervisor.h"

#include <fmt/format.h>
#include <glog/logging.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

#include "launch/mpirun_launcher.h"
#include "launch/roles/role_context.h"
#include "launch/run_setup.h"
#include "launch/supervisor/checkpoint_retention.h"
#include "launch/supervisor/failure_record.h"
#include "launch/supervisor/mpi_world.h"
#include "launch/supervisor/restart_log.h"
#include "launch/supervisor/stop_signals.h"
#include "launch/web/run_files.h"
#include "launch/web/run_summary.h"
#include "storage/atomic_file.h"
#include "storage/run_directory.h"

namespace dact::launch {
namespace {

using Clock = std::chrono::steady_clock;

// A rank that fails writes RUN/failure.json and calls MPI_Abort, and mpirun ends every
// rank within a second or two, unless the host of one of its daemons is cut off (a link
// down): it then waits for that daemon until TCP gives up, many minutes. The world has
// failed either way; this long after the record, the supervisor ends it itself.
constexpr auto kAbortGrace = std::chrono::seconds(10);

// Seconds of the back-off before restart number `restart` (1-based).
double backoff_before(int restart, const RunControlConfig& run) {
  return std::min(run.restart_backoff_max_s, run.restart_backoff_s * std::pow(2.0, restart - 1));
}

// Sleeps up to `seconds`; returns false early when a stop signal arrives.
bool sleep_unless_stopped(double seconds, int signals_before) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    if (stop_signals_received() > signals_before) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

void remove_if_present(const std::string& path) {
  std::error_code error;
  std::filesystem::remove(path, error);
}

class Supervisor {
 public:
  Supervisor(const RunConfig& config, std::string run_dir, std::string mpirun_args)
      : config_(config),
        run_dir_(std::move(run_dir)),
        run_(run_dir_),
        mpirun_args_(std::move(mpirun_args)),
        hash_(training_hash(config.document)),
        ranks_(assign_ranks(config, world_size_of(config))) {}

  SupervisedEnd run() {
    install_supervisor_stop_signals();
    become_subreaper();
    // Verifying a checkpoint reads all of it, so it is done once per world: before the
    // first, and after each (its answer is where the next one starts).
    int64_t resume_step = find_resume_step(run_dir_, hash_);
    for (int restart = 0;; ++restart) {
      if (resume_step >= config_.last_step()) {
        LOG(INFO) << run_dir_ << " reached step " << resume_step << " of " << config_.last_step();
        return SupervisedEnd::kFinished;
      }
      if (stop_signals_received() > 0) {
        LOG(INFO) << "stop requested (" << signal_name(last_stop_signal()) << "); not starting a world";
        return SupervisedEnd::kStopped;
      }
      LOG(INFO) << (resume_step > 0 ? fmt::format("resuming at step {}", resume_step) : std::string("starting"))
                << "; training to step " << config_.last_step() << " of " << config_.total_steps();
      const RunOutcome outcome = run_world(resume_step);
      const int64_t failed_after_step = std::max(last_reported_step(run_.stats_path()), resume_step);
      resume_step = find_resume_step(run_dir_, hash_);
      if (outcome.exit.ok()) {
        if (stop_signals_received() == 0 || resume_step >= config_.last_step()) return SupervisedEnd::kFinished;
        LOG(INFO) << "stopped on " << signal_name(last_stop_signal()) << " at step " << resume_step
                  << "; run `dact train --run-dir " << run_dir_ << "` again to resume";
        return SupervisedEnd::kStopped;
      }
      const WorldFailure failure = diagnose_world_failure(outcome.notice, read_failure(run_.failure_path()),
                                                          outcome.exit, ranks_);
      LOG(ERROR) << "the MPI world failed: " << failure.describe();
      if (stop_signals_received() > 0) {
        throw std::runtime_error(fmt::format(
            "the MPI world of {} failed while stopping on {}: {}; the next `dact train` resumes from step {}",
            run_dir_, signal_name(last_stop_signal()), failure.describe(), resume_step));
      }
      RestartRecord record;
      record.time = unix_time_s();
      record.restart = restart + 1;
      record.failure = failure;
      record.failed_after_step = failed_after_step;
      record.resumed_from_step = resume_step;
      history_.push_back(record);
      if (restart >= config_.run.max_restarts) throw RunGaveUp(summary());
      record.backoff_s = backoff_before(restart + 1, config_.run);
      history_.back().backoff_s = record.backoff_s;
      append_restart_record(run_.restarts_path(), record);
      LOG(WARNING) << fmt::format("restart {} of at most {} in {:.1f} s, from step {} ({} steps of work lost)",
                                  record.restart, config_.run.max_restarts, record.backoff_s,
                                  record.resumed_from_step, record.work_lost_steps());
      if (!sleep_unless_stopped(record.backoff_s, stop_signals_received())) {
        LOG(INFO) << "stop requested during the back-off; not restarting";
        return SupervisedEnd::kStopped;
      }
    }
  }

 private:
  struct RunOutcome {
    WorldExit exit;
    MpirunNotice notice;
  };

  RunOutcome run_world(int64_t resume_step) {
    // Leftovers of the previous world must not speak for this one.
    remove_if_present(run_.failure_path());
    remove_if_present(run_.stop_request_path());
    remove_stale_temp_files(run_);
    prune();

    RunOutcome outcome;
    std::string printable;
    const std::vector<std::string> command = mpirun_command(config_, run_dir_, resume_step, mpirun_args_);
    for (const std::string& word : command) printable += word + " ";
    LOG(INFO) << "starting: " << printable;
    MpiWorld world(command, run_.log_path());
    // An injected fault is one fault: later worlds run clean.
    ::unsetenv("DACT_FAULT_INJECT");

    int signals_handled = 0;
    std::optional<Clock::time_point> stop_requested_at, failure_recorded_at;
    auto last_prune = Clock::now(), last_progress = Clock::now();
    while (world.pump_output(0.2, [&](const std::string& line) { outcome.notice.read_line(line); })) {
      if (!failure_recorded_at && std::filesystem::exists(run_.failure_path())) failure_recorded_at = Clock::now();
      if (failure_recorded_at && Clock::now() - *failure_recorded_at > kAbortGrace) {
        LOG(WARNING) << "mpirun has not ended the world " << kAbortGrace.count()
                     << " s after a rank recorded its failure (is a host unreachable?); ending it";
        world.end(2.0);
        break;
      }
      const int signals = stop_signals_received();
      if (signals > signals_handled) {
        signals_handled = signals;
        request_stop(world, stop_requested_at);
      }
      if (Clock::now() - last_progress > std::chrono::seconds(1)) {
        RunSummary summary;
        summary.duration_kimg = config_.run.duration_kimg;
        summary.stats = last_json_line(run_.stats_path());
        if (summary.stats) world.show_progress(progress_line(summary));
        last_progress = Clock::now();
      }
      if (Clock::now() - last_prune > std::chrono::seconds(10)) {
        prune();
        last_prune = Clock::now();
      }
    }
    outcome.exit = world.wait();
    world.end(2.0);
    prune();
    return outcome;
  }

  // Signals within a second of the first are that same request: Slurm signals every
  // process of a job at once (scancel --full), and the batch script forwards its copy.
  void request_stop(MpiWorld& world, std::optional<Clock::time_point>& requested_at) {
    const std::string reason = signal_name(last_stop_signal()) + " to dact train";
    if (!requested_at) {
      requested_at = Clock::now();
      LOG(WARNING) << reason << ": asking the world to checkpoint and stop (a second signal stops it at once)";
      storage::write_file_atomically(run_.stop_request_path(), reason + "\n");
    } else if (Clock::now() - *requested_at < std::chrono::seconds(1)) {
      LOG(INFO) << reason << " again within 1 s: taken as the same stop request";
    } else {
      LOG(WARNING) << reason << " again: ending the world now; work since the last checkpoint is lost";
      world.end(5.0);
    }
  }

  // Cheap unless a checkpoint appeared since the last call (pruning verifies the newest).
  void prune() {
    RetentionPolicy policy{config_.run.keep_last_checkpoints, config_.run.keep_checkpoints_every_steps};
    if (policy.keep_last <= 0) return;
    const std::vector<int64_t> steps = run_.checkpoint_steps();
    if (steps == pruned_steps_) return;
    prune_checkpoints(run_, hash_, policy);
    pruned_steps_ = run_.checkpoint_steps();
  }

  std::string summary() const {
    std::string text = fmt::format("giving up on {} after {} failed worlds (run.max_restarts = {}):", run_dir_,
                                   history_.size(), config_.run.max_restarts);
    for (const RestartRecord& record : history_) {
      text += fmt::format("\n  world {}: {} (after step {}, resumable from step {})", record.restart,
                          record.failure.describe(), record.failed_after_step, record.resumed_from_step);
    }
    text += fmt::format("\nsee {} and {}; fix the cause, then run `dact train --run-dir {}` to resume",
                        run_.log_path(), run_.restarts_path(), run_dir_);
    return text;
  }

  const RunConfig& config_;
  std::string run_dir_;
  storage::RunDirectory run_;
  std::string mpirun_args_;
  std::string hash_;
  std::vector<coordinator::RankRole> ranks_;
  std::vector<RestartRecord> history_;
  std::vector<int64_t> pruned_steps_;
};

}  // namespace

SupervisedEnd supervise_training(const RunConfig& config, const std::string& run_dir,
                                 const std::string& mpirun_args) {
  return Supervisor(config, run_dir, mpirun_args).run();
}

}  // namespace dact::launch
