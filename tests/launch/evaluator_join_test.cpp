// Evaluators that join a running `dact train` over TCP (`dact evaluator`), end to end
// under mpirun with a tiny U-Net:
//  - a joined evaluator finishes the evaluation jobs and metrics.jsonl gets its lines;
//  - an evaluator SIGKILLed in the middle of a part: the part is re-run by another
//    evaluator, the run completes, and the merged metrics equal, bit for bit, those of
//    the same evaluation run by a single evaluator (same seeds, same parts);
//  - without evaluators, open evaluations are bounded: the oldest is dropped, logged.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/evaluation_fixture.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_run.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using dact::testing::read_text;
using dact::testing::spawn_dact;
using dact::testing::wait_exit;
using dact::testing::wait_for_text;

size_t count_of(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

std::vector<nlohmann::json> metrics_lines(const fs::path& run) {
  std::vector<nlohmann::json> lines;
  std::ifstream file(run / "metrics.jsonl");
  for (std::string line; std::getline(file, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

class EvaluatorJoinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = dact::testing::shared_evaluation_fixture();
    root_ = fs::temp_directory_path() / ("dact_evaluator_join_" + std::to_string(::getpid()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(root_);
  }

  // A tiny run: 4 steps of 16 images, snapshots every `snapshot_every_kimg`; evaluation
  // of 96 images in parts of 32 at 32 Heun steps, no evaluator in the MPI world.
  fs::path write_config(const std::string& name, double snapshot_every_kimg, int max_pending) {
    const nlohmann::json config = {
        {"seed", 5},
        {"dataset", {{"dir", fixture_.dataset.string()}}},
        {"model", dact::testing::tiny_edm2_model()},
        {"roles", {{"data_loader", 1}, {"trainer", 1}, {"ema", 1}}},
        {"trainer", {{"batch", 16}, {"batch_per_rank", 16}, {"ref_lr", 0.01}, {"rampup_Mimg", 0.0001},
                     {"checkpoint_every_steps", 4}, {"ema_every_steps", 1}, {"status_every_s", 0}}},
        {"ema", {{"stds", {0.05, 0.1}}, {"snapshot_every_kimg", snapshot_every_kimg},
                 {"preview", {{"per_class", 1}, {"num_steps", 2}}}}},
        {"eval", {{"enabled", true}, {"num_images", 96}, {"part_images", 32}, {"ema_std", 0.1},
                  {"sampler", "heun"}, {"steps", 32}, {"batch", 32}, {"features", fixture_.features.string()},
                  {"reference", fixture_.reference.string()}, {"lease_timeout_s", 60},
                  {"max_pending", max_pending}, {"threads", 1}, {"final_wait_s", 240}}},
        {"run", {{"duration_kimg", 0.064}, {"threads", {{"trainer", 1}}}, {"liveness_timeout_s", 30}}},
    };
    const fs::path path = root_ / (name + ".json");
    std::ofstream(path) << config.dump(2);
    return path;
  }

  pid_t start_run(const std::string& name, const fs::path& config) {
    return spawn_dact("train --config " + config.string() + " --run-dir " + (root_ / name).string(),
                      root_ / (name + ".out"));
  }
  // Started before the run: it waits for RUN/coordinator_address.
  pid_t start_evaluator(const std::string& run, const std::string& name) {
    return spawn_dact("evaluator --run-dir " + (root_ / run).string() + " --name " + name,
                      root_ / (run + "." + name + ".out"));
  }

  dact::testing::EvaluationFixture fixture_;
  fs::path root_;
};

TEST_F(EvaluatorJoinTest, JoinedEvaluatorFinishesJobsAndMetricsGetALine) {
  const fs::path config = write_config("one", 0.064, 4);
  fs::create_directories(root_ / "one");
  const pid_t evaluator = start_evaluator("one", "solo");
  const pid_t run = start_run("one", config);
  ASSERT_EQ(wait_exit(run, 300), 0) << read_text(root_ / "one.out");
  EXPECT_EQ(wait_exit(evaluator, 30), 0) << read_text(root_ / "one.solo.out");
  const std::vector<nlohmann::json> lines = metrics_lines(root_ / "one");
  ASSERT_EQ(lines.size(), 1u) << read_text(root_ / "one.out");
  const nlohmann::json& line = lines[0];
  EXPECT_EQ(line.at("images"), 96);
  EXPECT_EQ(line.at("setting").at("ema_std"), 0.1);
  EXPECT_GT(line.at("fd96").get<double>(), 0);
  for (const char* key : {"kid_mean", "kid_std", "precision", "recall", "seconds"}) {
    EXPECT_TRUE(std::isfinite(line.at(key).get<double>())) << key;
  }
  EXPECT_EQ(line.at("evaluators"), nlohmann::json({"solo", "solo", "solo"}));
  EXPECT_FALSE(fs::exists(root_ / "one" / "coordinator_address"));  // removed at the end
}

TEST_F(EvaluatorJoinTest, KilledEvaluatorsPartIsRedoneAndMetricsEqualASingleEvaluators) {
  // Two evaluators; one is killed while it computes a part. The other redoes the part,
  // the run completes, and the merged metrics equal those of the same evaluation run in
  // one piece by the offline evaluator (`dact eval`, same snapshot, seeds, sampler and
  // sampling batches): every image depends on its seed alone, and the float64 moments
  // are summed batch after batch in seed order either way, so the numbers agree to
  // rounding of the float64 sums (1e-12 relative; in practice bit for bit).
  const fs::path config = write_config("killed", 0.064, 4);
  fs::create_directories(root_ / "killed");
  const pid_t rescuer = start_evaluator("killed", "rescuer");
  const pid_t victim = start_evaluator("killed", "victim");
  const pid_t run = start_run("killed", config);
  const bool victim_started = wait_for_text(root_ / "killed.victim.out", "started: part", 90);
  ::kill(victim, SIGKILL);
  ASSERT_TRUE(victim_started) << read_text(root_ / "killed.victim.out");
  EXPECT_EQ(wait_exit(victim, 10), 128 + SIGKILL);

  ASSERT_EQ(wait_exit(run, 300), 0) << read_text(root_ / "killed.out");
  EXPECT_EQ(wait_exit(rescuer, 30), 0) << read_text(root_ / "killed.rescuer.out");
  EXPECT_TRUE(fs::exists(root_ / "killed" / "checkpoints" / "checkpoint-00000004.h5"));  // training completed
  const std::string coordinator_log = read_text(root_ / "killed.out");
  EXPECT_NE(coordinator_log.find("victim) dead"), std::string::npos) << coordinator_log;
  EXPECT_NE(coordinator_log.find("re-queued"), std::string::npos) << coordinator_log;

  const std::vector<nlohmann::json> lines = metrics_lines(root_ / "killed");
  ASSERT_EQ(lines.size(), 1u) << coordinator_log;
  EXPECT_EQ(lines[0].at("evaluators"), nlohmann::json({"rescuer", "rescuer", "rescuer"}));
  EXPECT_EQ(lines[0].at("images"), 96);

  const dact::testing::DactResult offline = dact::testing::run_dact_command(
      "eval --snapshot " + lines[0].at("snapshot").get<std::string>() + " --ref " + fixture_.reference.string() +
      " --features " + fixture_.features.string() + " --num 96 --std 0.1 --sampler heun --steps 32 --batch 32 --seed 0");
  ASSERT_EQ(offline.exit_code, 0) << offline.output;
  const std::string& text = offline.output;  // its last line is the metrics line
  const nlohmann::json single = nlohmann::json::parse(text.substr(text.rfind('\n', text.size() - 2) + 1));
  for (const char* key : {"fd96", "kid_mean", "precision", "recall"}) {
    const double merged = lines[0].at(key).get<double>(), whole = single.at(key).get<double>();
    EXPECT_NEAR(merged, whole, 1e-12 * std::abs(whole)) << key;
  }
  EXPECT_NEAR(lines[0].at("kid_std").get<double>(), single.at("kid_std").get<double>(), 1e-12);
}

TEST_F(EvaluatorJoinTest, WithoutEvaluatorsTheOldestOpenEvaluationIsDropped) {
  // A snapshot every step (4 of them) and room for one open evaluation: each newer
  // snapshot drops the older one; the run ends without waiting for the last.
  const fs::path config = write_config("bounded", 0.016, 1);
  const pid_t run = start_run("bounded", config);
  ASSERT_EQ(wait_exit(run, 90), 0) << read_text(root_ / "bounded.out");
  const std::string log = read_text(root_ / "bounded.out");
  EXPECT_EQ(count_of(log, "images dropped: 1 evaluations pending (eval.max_pending)"), 3u) << log;
  EXPECT_FALSE(fs::exists(root_ / "bounded" / "metrics.jsonl"));
}

}  // namespace
