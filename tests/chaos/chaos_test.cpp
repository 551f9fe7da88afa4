// The chaos suite: a supervised `dact train` (2 trainers, tiny EDM2 U-Net, 40 steps,
// checkpoints every 4) is hit by one fault per case, and must complete with the same
// bytes of final weights, Adam state, EMA tracks and snapshots as the uninterrupted
// reference run (Chaos.UninterruptedReference, a CTest fixture run once). Kill steps
// are drawn from a seeded generator (DACT_CHAOS_SEED, default below) and logged.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "tests/chaos/chaos_harness.h"
#include "tests/support/test_paths.h"

namespace dact::chaos {
namespace {

namespace fs = std::filesystem;

constexpr long kLastStep = 40;
constexpr long kCheckpointEverySteps = 4;
// Rank order of the world (launch/roles: coordinator, data loaders, trainers, EMA).
constexpr int kCoordinatorRank = 0, kDataLoaderRank = 1, kTrainer1Rank = 3, kEmaRank = 4;

// Every case works below chaos_runs/ of the working directory CTest gives it (this
// folder's build directory), where the reference fixture left its run.
const fs::path& chaos_dir() {
  static const fs::path dir = fs::current_path() / "chaos_runs";
  return dir;
}
std::string config_path() { return (chaos_dir() / "config.json").string(); }
std::string reference_dir() { return (chaos_dir() / "reference").string(); }

nlohmann::json chaos_config() {
  return {
      {"seed", 7},
      {"dataset", {{"dir", (chaos_dir() / "data" / "test").string()}, {"resolution", 16}}},
      {"model", {{"arch", "edm2-precond"}, {"img_resolution", 16}, {"img_channels", 1}, {"label_dim", 10},
                 {"model_channels", 16}, {"channel_mult", {1, 2}}, {"num_blocks", 1},
                 {"attn_resolutions", nlohmann::json::array()}}},
      {"roles", {{"data_loader", 1}, {"trainer", 2}, {"ema", 1}}},
      {"trainer", {{"batch", 64}, {"batch_per_rank", 32}, {"ref_lr", 0.01}, {"rampup_Mimg", 0.0001},
                   {"checkpoint_every_steps", kCheckpointEverySteps}, {"ema_every_steps", 2}, {"status_every_s", 0},
                   {"loss", {{"label_dropout", 0.1}}}}},
      {"ema", {{"stds", {0.05, 0.1}}, {"snapshot_every_kimg", 1},
               {"preview", {{"per_class", 1}, {"num_steps", 2}}}}},
      {"run", {{"duration_kimg", kLastStep * 64 / 1000.0},
               {"threads", {{"trainer", 1}, {"data_loader", 1}, {"ema", 1}, {"coordinator", 1}}},
               {"liveness_timeout_s", 60}, {"max_restarts", 3}, {"restart_backoff_s", 0.2},
               {"restart_backoff_max_s", 1}}},
  };
}

std::vector<std::string> train_arguments(const std::string& run_dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> arguments = {"--config", config_path(), "--run-dir", run_dir};
  for (std::string& word : extra) arguments.push_back(std::move(word));
  return arguments;
}

// A fresh run directory for one case.
std::string case_dir(const std::string& name) {
  const fs::path dir = chaos_dir() / name;
  fs::remove_all(dir);
  return dir.string();
}

long random_step(const std::string& case_name, long low, long high) {
  const char* seed_text = std::getenv("DACT_CHAOS_SEED");
  const unsigned seed = seed_text ? static_cast<unsigned>(std::stoul(seed_text)) : 20261125u;
  std::mt19937 generator(seed ^ static_cast<unsigned>(std::hash<std::string>{}(case_name)));
  const long step = std::uniform_int_distribution<long>(low, high)(generator);
  std::cout << "chaos: " << case_name << " at step " << step << " (DACT_CHAOS_SEED=" << seed << ")" << std::endl;
  return step;
}

std::vector<nlohmann::json> restart_lines(const std::string& run_dir) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(run_dir + "/restarts.jsonl");
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

std::vector<std::string> file_names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Final weights, Adam state, EMA tracks and every snapshot equal the reference's; the
// snapshot folder holds exactly the reference's files (none lost, none extra, no temp).
void expect_same_as_reference(const std::string& run_dir) {
  for (const std::string name : {"checkpoints/checkpoint-00000040.h5", "checkpoints/ema-00000040.h5"}) {
    EXPECT_EQ(compare_tensor_files(reference_dir() + "/" + name, run_dir + "/" + name), "") << name;
  }
  const std::vector<std::string> snapshots = file_names(reference_dir() + "/snapshots");
  ASSERT_FALSE(snapshots.empty());
  EXPECT_EQ(file_names(run_dir + "/snapshots"), snapshots);
  for (const std::string& name : snapshots) {
    EXPECT_EQ(compare_tensor_files(reference_dir() + "/snapshots/" + name, run_dir + "/snapshots/" + name), "")
        << name;
  }
}

void kill_rank_and_expect_recovery(const std::string& case_name, int rank, const std::string& role) {
  const std::string run = case_dir(case_name);
  const long kill_step = random_step(case_name, 6, 30);
  const TrainProcess train = start_train(train_arguments(run), run + ".out");
  ASSERT_TRUE(wait_for_step(train, run, kill_step, 120)) << "never reached step " << kill_step << "; see " << run << ".out";
  const pid_t victim = find_rank_pid(run, rank);
  ASSERT_GT(victim, 0) << "no process for rank " << rank;
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  ASSERT_EQ(wait_exit(train, 240), 0) << "see " << run << ".out";
  const std::vector<nlohmann::json> restarts = restart_lines(run);
  ASSERT_EQ(restarts.size(), 1u) << read_text(run + "/restarts.jsonl");
  EXPECT_EQ(restarts[0].at("cause"), "signal");
  EXPECT_EQ(restarts[0].at("signal"), SIGKILL);
  EXPECT_EQ(restarts[0].at("rank"), rank);
  EXPECT_EQ(restarts[0].at("role"), role);
  // Surviving ranks may train and checkpoint on until mpirun tears them down, so the
  // resume step has no upper bound but the end; it never lies before the checkpoint
  // that preceded the kill.
  const long resumed_from = restarts[0].at("resumed_from_step").get<long>();
  EXPECT_GE(resumed_from, (kill_step / kCheckpointEverySteps - 1) * kCheckpointEverySteps);
  EXPECT_LE(resumed_from, kLastStep);
  // The failed world reported at least the step the kill waited for; the work lost is
  // what lies between the checkpoint resumed from and that step.
  const long failed_after = restarts[0].at("failed_after_step").get<long>();
  EXPECT_GE(failed_after, kill_step);
  EXPECT_EQ(restarts[0].at("work_lost_steps").get<long>(), std::max(0L, failed_after - resumed_from));
  expect_same_as_reference(run);
}

TEST(Chaos, UninterruptedReference) {
  fs::remove_all(chaos_dir());
  fs::create_directories(chaos_dir());
  const std::string convert = dact::testing::dact_binary() + " dataset convert --source " + dact::testing::fashion_mnist_dir() + " --dest " +
                              (chaos_dir() / "data").string() + " --split test --resolution 16 > " +
                              (chaos_dir() / "convert.log").string() + " 2>&1";
  ASSERT_EQ(std::system(convert.c_str()), 0) << convert;
  std::ofstream(config_path()) << chaos_config().dump(2);
  const TrainProcess train = start_train(train_arguments(reference_dir()), reference_dir() + ".out");
  ASSERT_EQ(wait_exit(train, 240), 0) << "see " << reference_dir() << ".out";
  EXPECT_TRUE(fs::exists(reference_dir() + "/checkpoints/checkpoint-00000040.h5"));
  EXPECT_FALSE(fs::exists(reference_dir() + "/restarts.jsonl"));
  EXPECT_EQ(file_names(reference_dir() + "/snapshots"),
            (std::vector<std::string>{"snapshot-000001.024.h5", "snapshot-000002.048.h5", "snapshot-000002.560.h5"}));
}

TEST(Chaos, KillDataLoader) { kill_rank_and_expect_recovery("KillDataLoader", kDataLoaderRank, "data_loader"); }
TEST(Chaos, KillTrainer) { kill_rank_and_expect_recovery("KillTrainer", kTrainer1Rank, "trainer"); }
TEST(Chaos, KillEma) { kill_rank_and_expect_recovery("KillEma", kEmaRank, "ema"); }
TEST(Chaos, KillCoordinator) { kill_rank_and_expect_recovery("KillCoordinator", kCoordinatorRank, "coordinator"); }

TEST(Chaos, PreemptWithSigterm) {
  const std::string run = case_dir("PreemptWithSigterm");
  const long signal_step = random_step("PreemptWithSigterm", 6, 30);
  const TrainProcess first = start_train(train_arguments(run), run + ".out");
  ASSERT_TRUE(wait_for_step(first, run, signal_step, 120)) << "see " << run << ".out";
  ASSERT_EQ(::kill(first.pid, SIGTERM), 0);
  ASSERT_EQ(wait_exit(first, 120), 0) << "see " << run << ".out";
  EXPECT_FALSE(fs::exists(run + "/restarts.jsonl"));
  // The stop step: the newest checkpoint, written although it need not be a checkpoint step.
  const long stop_step = last_stats_step(run);
  std::cout << "chaos: stopped at step " << stop_step << std::endl;
  EXPECT_GE(stop_step, signal_step);
  ASSERT_LT(stop_step, kLastStep) << "the run finished before the signal took effect";
  char name[64];
  std::snprintf(name, sizeof name, "/checkpoints/checkpoint-%08ld.h5", stop_step);
  EXPECT_TRUE(fs::exists(run + name)) << name;
  std::snprintf(name, sizeof name, "/checkpoints/ema-%08ld.h5", stop_step);
  EXPECT_TRUE(fs::exists(run + name)) << name;
  EXPECT_FALSE(fs::exists(run + "/checkpoints/checkpoint-00000040.h5"));

  const TrainProcess second = start_train(train_arguments(run), run + ".out");
  ASSERT_EQ(wait_exit(second, 240), 0) << "see " << run << ".out";
  expect_same_as_reference(run);
}

TEST(Chaos, StopBetweenEmaSteps) {
  // Step 7 is neither an EMA step (every 2) nor a checkpoint step (every 4): the EMA state
  // is persisted without an update, and the resumed run must not notice the difference.
  const std::string run = case_dir("StopBetweenEmaSteps");
  ASSERT_EQ(wait_exit(start_train(train_arguments(run, {"--set", "run.stop_at_step=7"}), run + ".out"), 120), 0);
  EXPECT_TRUE(fs::exists(run + "/checkpoints/checkpoint-00000007.h5"));
  EXPECT_TRUE(fs::exists(run + "/checkpoints/ema-00000007.h5"));
  ASSERT_EQ(wait_exit(start_train(train_arguments(run, {"--set", "run.stop_at_step=0"}), run + ".out"), 240), 0)
      << "see " << run << ".out";
  expect_same_as_reference(run);
}

TEST(Chaos, CorruptedNewestCheckpoint) {
  const std::string run = case_dir("CorruptedNewestCheckpoint");
  ASSERT_EQ(wait_exit(start_train(train_arguments(run, {"--set", "run.stop_at_step=20"}), run + ".out"), 120), 0);
  const std::string newest = run + "/checkpoints/checkpoint-00000020.h5";
  ASSERT_TRUE(fs::exists(newest));
  fs::resize_file(newest, fs::file_size(newest) / 2);  // as if the disk filled up mid-write
  ASSERT_EQ(wait_exit(start_train(train_arguments(run, {"--set", "run.stop_at_step=0"}), run + ".out"), 240), 0)
      << "see " << run << ".out";
  const std::string output = read_text(run + ".out");
  EXPECT_NE(output.find("skipping checkpoint of step 20: " + newest), std::string::npos) << output;
  EXPECT_NE(output.find("resuming at step 16"), std::string::npos);
  expect_same_as_reference(run);
}

TEST(Chaos, FailingCheckpointWrite) {
  // Trainer 0's third checkpoint (step 12) fails to reach the disk.
  const std::string run = case_dir("FailingCheckpointWrite");
  const TrainProcess train =
      start_train(train_arguments(run), run + ".out", {"DACT_FAULT_INJECT=fail_write:checkpoint-:3"});
  ASSERT_EQ(wait_exit(train, 240), 0) << "see " << run << ".out";
  const std::vector<nlohmann::json> restarts = restart_lines(run);
  ASSERT_EQ(restarts.size(), 1u);
  EXPECT_EQ(restarts[0].at("cause"), "error");
  EXPECT_EQ(restarts[0].at("role"), "trainer");
  EXPECT_EQ(restarts[0].at("role_index"), 0);
  EXPECT_NE(restarts[0].at("error").get<std::string>().find("injected write failure"), std::string::npos);
  EXPECT_EQ(restarts[0].at("resumed_from_step"), 8);
  expect_same_as_reference(run);
}

TEST(Chaos, FailingSnapshotWrite) {
  // The first snapshot (step 16, also a checkpoint step) fails to reach the disk. The EMA
  // actor writes a step's snapshot before its EMA state, so no resumable checkpoint can
  // exist past a lost snapshot: the restart replays it, and the snapshot folder ends
  // exactly as the reference's.
  const std::string run = case_dir("FailingSnapshotWrite");
  const TrainProcess train =
      start_train(train_arguments(run), run + ".out", {"DACT_FAULT_INJECT=fail_write:snapshot-:1"});
  ASSERT_EQ(wait_exit(train, 240), 0) << "see " << run << ".out";
  const std::vector<nlohmann::json> restarts = restart_lines(run);
  ASSERT_EQ(restarts.size(), 1u);
  EXPECT_EQ(restarts[0].at("cause"), "error");
  EXPECT_EQ(restarts[0].at("role"), "ema");
  EXPECT_LT(restarts[0].at("resumed_from_step").get<long>(), 16);
  expect_same_as_reference(run);
}

}  // namespace
}  // namespace dact::chaos
