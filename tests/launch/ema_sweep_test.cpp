// `dact ema sweep` end to end under mpirun, on a tiny EDM2 U-Net trained for 3 kimg with
// a snapshot at every kimg:
//  - the reconstructions the sweep makes in one pass equal, bit for bit, those of
//    `dact ema reconstruct` run for each std alone;
//  - a sweep whose only evaluator joins over TCP and is SIGKILLed in the middle of a
//    part, finished by another evaluator that joins later, writes the same table as a
//    sweep run by one evaluator of its MPI world;
//  - a sweep stopped after some pairs and started again evaluates only what is left and
//    ends with that same table;
//  - a malformed --stds is refused with a message naming it.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/child_process.h"
#include "tests/support/evaluation_fixture.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/same_tensor_files.h"
#include "tests/support/tiny_run.h"

namespace {

namespace fs = std::filesystem;
using dact::testing::read_text;
using dact::testing::spawn_dact;
using dact::testing::wait_exit;
using dact::testing::wait_for_text;

// 3 stds x 2 guidance weights, 16 images each in parts of 8, EDM's Heun at 4 steps.
const std::string kGrid = "--stds 0.05:0.15:3 --guidance 1,2 --num 16 --sampler heun --steps 4";

std::vector<nlohmann::json> table_of(const fs::path& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// Everything a line says about the evaluation, leaving out who computed it and how long it took.
void expect_same_table(const std::vector<nlohmann::json>& a, const std::vector<nlohmann::json>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    for (const char* key : {"std", "guidance", "setting", "images", "feature_net", "fd16", "kid_mean", "kid_std",
                            "precision", "recall"}) {
      EXPECT_EQ(a[i].at(key), b[i].at(key)) << "line " << i << " key " << key;
    }
  }
}

class EmaSweepTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ = dact::testing::shared_evaluation_fixture();
    root_ = fs::temp_directory_path() / ("dact_ema_sweep_" + std::to_string(::getpid()));
    fs::create_directories(root_);
    run_ = root_ / "run";
    const nlohmann::json config = {
        {"seed", 5},
        {"dataset", {{"dir", fixture_.dataset.string()}}},
        {"model", dact::testing::tiny_edm2_model()},
        {"roles", {{"data_loader", 1}, {"trainer", 1}, {"ema", 1}}},
        {"trainer", {{"batch", 32}, {"batch_per_rank", 32}, {"ref_lr", 0.01}, {"rampup_Mimg", 0.0001},
                     {"checkpoint_every_steps", 1000}, {"ema_every_steps", 1}, {"status_every_s", 0}}},
        {"ema", {{"stds", {0.05, 0.1}}, {"snapshot_every_kimg", 1},
                 {"preview", {{"per_class", 1}, {"num_steps", 2}}}}},
        {"eval", {{"enabled", false}, {"num_images", 16}, {"part_images", 8}, {"batch", 8},
                  {"features", fixture_.features.string()}, {"reference", fixture_.reference.string()},
                  {"lease_timeout_s", 120}, {"threads", 1}}},
        {"run", {{"duration_kimg", 3}, {"threads", {{"trainer", 1}}}, {"liveness_timeout_s", 30}}},
    };
    std::ofstream(root_ / "config.json") << config.dump(2);
    const dact::testing::DactResult trained = dact::testing::run_dact_command(
        "train --config " + (root_ / "config.json").string() + " --run-dir " + run_.string(), true);
    ASSERT_EQ(trained.exit_code, 0) << trained.output;
    ASSERT_EQ(fs::exists(run_ / "snapshots"), true);
  }
  static void TearDownTestSuite() {
    if (!::testing::UnitTest::GetInstance()->current_test_suite()->Failed()) fs::remove_all(root_);
  }

  static std::string sweep_arguments(const std::string& name, int evaluators) {
    return "ema sweep --run-dir " + run_.string() + " " + kGrid + " --name " + name + " --evaluators " +
           std::to_string(evaluators);
  }
  // The table of one MPI evaluator, made once for every test that compares with it.
  static const std::vector<nlohmann::json>& one_evaluator_table() {
    static const std::vector<nlohmann::json> table = [] {
      const pid_t sweep = spawn_dact(sweep_arguments("one", 1), root_ / "one.out");
      EXPECT_EQ(wait_exit(sweep, 300), 0) << read_text(root_ / "one.out");
      return table_of(run_ / "sweeps" / "one.jsonl");
    }();
    return table;
  }

  static dact::testing::EvaluationFixture fixture_;
  static fs::path root_, run_;
};

dact::testing::EvaluationFixture EmaSweepTest::fixture_;
fs::path EmaSweepTest::root_, EmaSweepTest::run_;

TEST_F(EmaSweepTest, OnePassReconstructionEqualsPerStdReconstruct) {
  ASSERT_EQ(one_evaluator_table().size(), 6u);
  const std::string output = read_text(root_ / "one.out");
  EXPECT_NE(output.find("reconstructed 3 stds from 3 snapshots"), std::string::npos) << output;
  EXPECT_TRUE(fs::exists(run_ / "sweeps" / "one.png"));
  EXPECT_NE(output.find("best: std "), std::string::npos) << output;
  for (const char* std : {"0.050", "0.100", "0.150"}) {
    const fs::path alone = root_ / ("alone-" + std::string(std));
    const dact::testing::DactResult reconstructed = dact::testing::run_dact_command(
        "ema reconstruct --run-dir " + run_.string() + " --std " + std + " --out " + alone.string(), true);
    ASSERT_EQ(reconstructed.exit_code, 0) << reconstructed.output;
    // 94 steps of 32 images: the newest snapshot, and so the reconstructions, at 3008 images.
    const std::string file = "phema-000003.008-" + std::string(std) + ".h5";
    dact::testing::expect_same_tensor_files((run_ / "sweeps" / "one" / "ema" / file).string(), (alone / file).string());
  }
}

TEST_F(EmaSweepTest, KilledAndLateJoinedEvaluatorsGiveTheTableOfOne) {
  const std::vector<nlohmann::json>& one = one_evaluator_table();
  ASSERT_EQ(one.size(), 6u);
  // No evaluator in the MPI world: the victim, joined over TCP, takes the first part.
  const pid_t victim = spawn_dact("evaluator --run-dir " + run_.string() + " --name victim", root_ / "victim.out");
  const pid_t sweep = spawn_dact(sweep_arguments("joined", 0), root_ / "joined.out");
  const bool victim_started = wait_for_text(root_ / "victim.out", "started: part", 120);
  ::kill(victim, SIGKILL);
  ASSERT_TRUE(victim_started) << read_text(root_ / "victim.out") << read_text(root_ / "joined.out");
  EXPECT_EQ(wait_exit(victim, 10), 128 + SIGKILL);
  const pid_t rescuer = spawn_dact("evaluator --run-dir " + run_.string() + " --name rescuer", root_ / "rescuer.out");

  ASSERT_EQ(wait_exit(sweep, 300), 0) << read_text(root_ / "joined.out");
  EXPECT_EQ(wait_exit(rescuer, 30), 0) << read_text(root_ / "rescuer.out");
  const std::string log = read_text(root_ / "joined.out");
  EXPECT_NE(log.find("victim) dead"), std::string::npos) << log;
  EXPECT_NE(log.find("re-queued"), std::string::npos) << log;
  const std::vector<nlohmann::json> joined = table_of(run_ / "sweeps" / "joined.jsonl");
  expect_same_table(joined, one);
  for (const nlohmann::json& line : joined) EXPECT_EQ(line.at("evaluators"), nlohmann::json({"rescuer", "rescuer"}));
}

TEST_F(EmaSweepTest, RestartedSweepSkipsFinishedPairs) {
  const std::vector<nlohmann::json>& one = one_evaluator_table();
  ASSERT_EQ(one.size(), 6u);
  const fs::path table = run_ / "sweeps" / "again.jsonl";
  const pid_t first = spawn_dact(sweep_arguments("again", 1), root_ / "again-1.out");
  const bool some_done = wait_for_text(table, "\"fd16\"", 300);
  ::kill(first, SIGTERM);
  ASSERT_TRUE(some_done) << read_text(root_ / "again-1.out");
  EXPECT_EQ(wait_exit(first, 30), 1) << read_text(root_ / "again-1.out");
  const size_t done = table_of(table).size();
  ASSERT_GE(done, 1u);

  const pid_t second = spawn_dact(sweep_arguments("again", 1), root_ / "again-2.out");
  ASSERT_EQ(wait_exit(second, 300), 0) << read_text(root_ / "again-2.out");
  const std::string log = read_text(root_ / "again-2.out");
  const std::smatch found = [&] {
    std::smatch match;
    std::regex_search(log, match, std::regex("sweep: 6 pairs, (\\d+) in the table already"));
    return match;
  }();
  ASSERT_FALSE(found.empty()) << log;
  EXPECT_GE(std::stoul(found[1]), done) << log;
  EXPECT_EQ(log.find("reconstructed"), std::string::npos) << "the reconstructions were kept: " << log;
  expect_same_table(table_of(table), one);
  EXPECT_TRUE(fs::is_empty(run_ / "sweeps" / "again" / "parts"));
}

TEST_F(EmaSweepTest, MalformedStdsAreRefusedNamingTheOption) {
  const dact::testing::DactResult result = dact::testing::run_dact_command(
      "ema sweep --run-dir " + run_.string() + " --stds 0.2:0.1:3", true);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("--stds '0.2:0.1:3': HIGH is below LOW"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(run_ / "sweeps" / "sweep"));
}

}  // namespace
