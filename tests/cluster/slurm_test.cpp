// launch/slurm/dact_train.sbatch under a real Slurm (Debian's slurm-wlm: munged,
// slurmctld and slurmd started by tests/cluster/slurm_local.sh, one node of 2 CPUs):
//  - the preemption signal (USR1 to the batch shell, as `--signal=B:USR1@T` sends it
//    before the time limit; here by `scancel --signal=USR1 --batch`) makes the run stop
//    at a checkpoint and the job requeue itself; the requeued job resumes and ends with
//    the bits of a run never stopped;
//  - a preemption (a job in a higher-priority partition needs the node) takes the same
//    path when the cluster sends the job's --signal at preemption time;
//  - `scontrol requeue` from outside (what an admin or a preempting scheduler does)
//    sends SIGTERM to every process of the job, mpirun included, so the world ends
//    without a stop checkpoint; the requeued job resumes from the last periodic
//    checkpoint, again with the same bits.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/evaluation_fixture.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/same_tensor_files.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_run.h"

namespace {

namespace fs = std::filesystem;
using dact::testing::read_text;
using dact::testing::run_shell_command;

// Polls `done` every 0.2 s for at most `timeout_s`.
bool poll_until(double timeout_s, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

class Slurm : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!skip_reason().empty()) return;  // SetUp skips every test, saying why
    root_ = fs::temp_directory_path() / ("dact_slurm_" + std::to_string(::getpid()));
    fs::create_directories(root_);
    const dact::testing::DactResult up = run_shell_command(
        script() + " up " + (root_ / "cluster").string() + " " + std::to_string(::getpid()), true);
    ASSERT_EQ(up.exit_code, 0) << up.output;
    ::setenv("SLURM_CONF", (root_ / "cluster" / "slurm.conf").c_str(), 1);  // for sbatch, scontrol, scancel

    dataset_ = dact::testing::convert_test_split(root_);
    std::ofstream(config_path()) << tiny_config().dump(2);
    const std::string uninterrupted = "'" + dact::testing::dact_binary() + "' train --config " + config_path().string() +
                                      " --run-dir " + (root_ / "uninterrupted").string() + " > " +
                                      (root_ / "uninterrupted.out").string() + " 2>&1";
    ASSERT_EQ(run_shell_command(uninterrupted).exit_code, 0) << read_text(root_ / "uninterrupted.out");
  }
  static void TearDownTestSuite() {
    if (root_.empty()) return;
    run_shell_command(script() + " down " + (root_ / "cluster").string());
    // The daemons' logs (cluster/*.log) and the jobs' output explain a failure.
    if (::testing::UnitTest::GetInstance()->Passed()) {
      fs::remove_all(root_);
    } else {
      std::printf("Slurm: kept %s for the logs\n", root_.c_str());
    }
  }
  void SetUp() override {
    if (!skip_reason().empty()) GTEST_SKIP() << skip_reason();
  }

  static std::string skip_reason() {
    if (::geteuid() != 0) return "the Slurm daemons run as root here (CI runs as root)";
    const std::string missing =
        run_shell_command("for tool in munged slurmctld slurmd sbatch scontrol scancel sinfo; do "
                          "command -v $tool > /dev/null || printf '%s ' $tool; done")
            .output;
    if (!missing.empty()) {
      return "Slurm is not installed (missing: " + missing + "); bash tools/install_deps.sh installs slurm-wlm and munge";
    }
    return "";
  }

  static std::string script() { return dact::testing::source_dir() + "/tests/cluster/slurm_local.sh"; }
  static fs::path config_path() { return root_ / "tiny.json"; }

  // A tiny EDM2 U-Net: 2 trainers of 8 images each, 64 steps, checkpoints every 4.
  static nlohmann::json tiny_config() {
    return {
        {"seed", 7},
        {"dataset", {{"dir", dataset_}}},
        {"model", dact::testing::tiny_edm2_model()},
        {"roles", {{"data_loader", 1}, {"trainer", 2}, {"ema", 1}}},
        {"trainer", {{"batch", 16}, {"batch_per_rank", 8}, {"ref_lr", 0.01}, {"rampup_Mimg", 0.0001},
                     {"checkpoint_every_steps", 4}, {"ema_every_steps", 2}, {"status_every_s", 0}}},
        {"ema", {{"stds", {0.05, 0.1}}, {"snapshot_every_kimg", 0.512}, {"preview", {{"per_class", 1}, {"num_steps", 2}}}}},
        {"run", {{"duration_kimg", 1.024}, {"threads", {{"trainer", 1}}}, {"liveness_timeout_s", 60}}},
    };
  }

  // Submits the project's sbatch script for run directory root/NAME; returns the job id.
  // The script asks for one CPU set per rank (--ntasks = world size, 2 CPUs each); the
  // test node has 2 CPUs, so the submission overrides that with 1 CPU per task and
  // --overcommit (Slurm allocates as for one task; mpirun oversubscribes anyway).
  static std::string submit(const std::string& name) {
    const dact::testing::DactResult submitted = run_shell_command(
        "cd '" + dact::testing::source_dir() + "' && RUN_DIR=" + (root_ / name).string() + " DACT='" +
            dact::testing::dact_binary() + "' sbatch --parsable --ntasks=5 --cpus-per-task=1 --overcommit --output=" +
            (root_ / (name + ".out")).string() + " launch/slurm/dact_train.sbatch --config " + config_path().string(),
        true);
    EXPECT_EQ(submitted.exit_code, 0) << submitted.output;
    return submitted.output.substr(0, submitted.output.find_first_of(";\n"));
  }

  // A field of `scontrol show job` ("JobState", "Restarts", "ExitCode").
  static std::string job_field(const std::string& job, const std::string& field) {
    const std::string shown = run_shell_command("scontrol show job -o " + job).output;
    std::smatch match;
    if (!std::regex_search(shown, match, std::regex("(^| )" + field + "=([^ \n]*)"))) return "";
    return match[2];
  }

  static bool reached_step(const std::string& name, int step) {
    return read_text(root_ / name / "stats.jsonl").find("\"step\":" + std::to_string(step) + ",") != std::string::npos;
  }

  // Waits until the job was requeued and has then run to its end. The requeued job
  // starts by itself after cred_expire (10 s here; slurm_local.sh).
  static void expect_requeued_and_completed(const std::string& job, const std::string& name) {
    ASSERT_TRUE(poll_until(60, [&] { return job_field(job, "Restarts") == "1"; }))
        << "job " << job << " is " << job_field(job, "JobState") << "\n" << read_text(root_ / (name + ".out"));
    ASSERT_TRUE(poll_until(600, [&] {
      const std::string state = job_field(job, "JobState");
      return state != "PENDING" && state != "RUNNING" && state != "CONFIGURING" && state != "COMPLETING" &&
             state != "REQUEUED";
    })) << read_text(root_ / (name + ".out"));
    EXPECT_EQ(job_field(job, "JobState"), "COMPLETED") << read_text(root_ / (name + ".out"));
    EXPECT_EQ(job_field(job, "ExitCode"), "0:0");
    EXPECT_EQ(job_field(job, "Restarts"), "1");
    EXPECT_NE(read_text(root_ / (name + ".out")).find("(restart count 1)"), std::string::npos);
  }

  static void expect_same_bits_as_uninterrupted(const std::string& name) {
    std::vector<std::string> files = {"checkpoints/checkpoint-00000064.h5", "checkpoints/ema-00000064.h5"};
    for (const fs::directory_entry& snapshot : fs::directory_iterator(root_ / "uninterrupted" / "snapshots")) {
      files.push_back("snapshots/" + snapshot.path().filename().string());
    }
    for (const std::string& file : files) {
      dact::testing::expect_same_tensor_files((root_ / name / file).string(), (root_ / "uninterrupted" / file).string());
    }
  }

  static fs::path root_;
  static std::string dataset_;
};

fs::path Slurm::root_;
std::string Slurm::dataset_;

TEST_F(Slurm, PreemptionSignalStopsAtACheckpointAndTheRequeuedJobResumes) {
  const std::string job = submit("signalled");
  ASSERT_FALSE(job.empty());
  ASSERT_TRUE(poll_until(300, [] { return reached_step("signalled", 10); })) << read_text(root_ / "signalled.out");
  ASSERT_EQ(run_shell_command("scancel --signal=USR1 --batch " + job).exit_code, 0);
  expect_requeued_and_completed(job, "signalled");

  // The first job stopped cleanly at the step the trainers agreed on, which the second
  // resumed from; nothing failed.
  const std::string out = read_text(root_ / "signalled.out");
  std::smatch stop;
  ASSERT_TRUE(std::regex_search(out, stop, std::regex("stopped on SIGUSR1 at step ([0-9]+)"))) << out;
  const int stop_step = std::stoi(stop[1]);
  EXPECT_GE(stop_step, 10);
  EXPECT_LT(stop_step, 64);
  EXPECT_NE(out.find("stopped at a checkpoint; requeueing job " + job), std::string::npos) << out;
  EXPECT_NE(out.find("resuming at step " + std::to_string(stop_step) + ";"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(root_ / "signalled" / "restarts.jsonl"));
  expect_same_bits_as_uninterrupted("signalled");
}

// A job in the higher-priority partition "urgent" needs both CPUs: Slurm preempts the
// training job by requeueing it, first sending its --signal (USR1 to the batch shell,
// SlurmctldParameters=preempt_send_user_signal) and SIGTERM only after GraceTime.
TEST_F(Slurm, PreemptionByAnUrgentJobStopsAtACheckpointAndTheRequeuedJobResumes) {
  const std::string job = submit("preempted");
  ASSERT_FALSE(job.empty());
  ASSERT_TRUE(poll_until(300, [] { return reached_step("preempted", 10); })) << read_text(root_ / "preempted.out");
  const dact::testing::DactResult urgent = run_shell_command(
      "sbatch --parsable --partition=urgent --cpus-per-task=2 --output=" + (root_ / "urgent.out").string() +
          " --wrap 'echo urgent job ran'",
      true);
  ASSERT_EQ(urgent.exit_code, 0) << urgent.output;
  expect_requeued_and_completed(job, "preempted");
  EXPECT_NE(read_text(root_ / "urgent.out").find("urgent job ran"), std::string::npos);

  const std::string out = read_text(root_ / "preempted.out");
  EXPECT_NE(out.find("SIGUSR1 to dact train: asking the world to checkpoint"), std::string::npos) << out;
  EXPECT_NE(out.find("stopped at a checkpoint; requeueing job " + job), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(root_ / "preempted" / "restarts.jsonl"));
  expect_same_bits_as_uninterrupted("preempted");
}

TEST_F(Slurm, RequeueFromOutsideResumesFromTheLastPeriodicCheckpoint) {
  const std::string job = submit("requeued");
  ASSERT_FALSE(job.empty());
  ASSERT_TRUE(poll_until(300, [] { return reached_step("requeued", 10); })) << read_text(root_ / "requeued.out");
  ASSERT_EQ(run_shell_command("scontrol requeue " + job).exit_code, 0);
  expect_requeued_and_completed(job, "requeued");

  const std::string out = read_text(root_ / "requeued.out");
  EXPECT_NE(out.find("DUE TO JOB REQUEUE"), std::string::npos) << out;
  std::smatch resumed;
  ASSERT_TRUE(std::regex_search(out, resumed, std::regex("resuming at step ([0-9]+);"))) << out;
  EXPECT_EQ(std::stoi(resumed[1]) % 4, 0) << "not a periodic checkpoint (every 4 steps)";
  expect_same_bits_as_uninterrupted("requeued");
}

}  // namespace
