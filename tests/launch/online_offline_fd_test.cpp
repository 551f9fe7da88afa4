// Online equals offline: the metrics the evaluator actors log for a snapshot during
// `dact train` (mpirun, an evaluator rank, parts of 32 images) are those `dact eval`
// prints for the same snapshot with the same settings, to the last digit, and both
// lines record the same setting.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/evaluation_fixture.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/tiny_run.h"

namespace {

namespace fs = std::filesystem;
using dact::testing::read_text;

class OnlineOfflineFd : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = dact::testing::shared_evaluation_fixture();
    root_ = fs::temp_directory_path() / ("dact_online_offline_" + std::to_string(::getpid()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(root_);
  }

  dact::testing::EvaluationFixture fixture_;
  fs::path root_;
};

TEST_F(OnlineOfflineFd, EvaluatorLineEqualsDactEvalToTheLastDigit) {
  // 4 steps of 16 images, one snapshot at the end; 96 images in the default parts (32)
  // and sampling batch (64), so part boundaries cut sampling batches.
  const nlohmann::json config = {
      {"seed", 3},
      {"dataset", {{"dir", fixture_.dataset.string()}}},
      {"model", dact::testing::tiny_edm2_model()},
      {"roles", {{"data_loader", 1}, {"trainer", 1}, {"ema", 1}, {"evaluator", 1}}},
      {"trainer", {{"batch", 16}, {"batch_per_rank", 16}, {"ref_lr", 0.01}, {"rampup_Mimg", 0.0001},
                   {"checkpoint_every_steps", 4}, {"ema_every_steps", 1}, {"status_every_s", 0}}},
      {"ema", {{"stds", {0.05, 0.1}}, {"snapshot_every_kimg", 0.064}, {"preview", {{"per_class", 1}, {"num_steps", 2}}}}},
      {"eval", {{"enabled", true}, {"num_images", 96}, {"ema_std", 0.1}, {"sampler", "euler"}, {"steps", 6},
                {"guidance", 1.5}, {"features", fixture_.features.string()},
                {"reference", fixture_.reference.string()}, {"threads", 1}, {"final_wait_s", 240}}},
      {"run", {{"duration_kimg", 0.064}, {"threads", {{"trainer", 1}}}}},
  };
  const fs::path config_path = root_ / "config.json", run = root_ / "run";
  std::ofstream(config_path) << config.dump(2);
  const dact::testing::DactResult trained = dact::testing::run_dact_command(
      "train --config " + config_path.string() + " --run-dir " + run.string(), /*merge_stderr=*/true);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  std::ifstream metrics(run / "metrics.jsonl");
  std::string online_text;
  ASSERT_TRUE(std::getline(metrics, online_text)) << trained.output;
  const nlohmann::json online = nlohmann::json::parse(online_text);

  const dact::testing::DactResult offline_run = dact::testing::run_dact_command(
      "eval --snapshot " + online.at("snapshot").get<std::string>() + " --ref " + fixture_.reference.string() +
      " --num 96 --std 0.1 --sampler euler --steps 6 --guidance 1.5 --threads 1");
  ASSERT_EQ(offline_run.exit_code, 0) << offline_run.output;
  const nlohmann::json offline = nlohmann::json::parse(offline_run.output.substr(offline_run.output.rfind('{')));

  // Text of the numbers as each line holds them.
  for (const char* key : {"fd96", "kid_mean", "kid_std", "precision", "recall"}) {
    ASSERT_TRUE(online.contains(key)) << key << " missing from " << online_text;
    EXPECT_EQ(online.at(key).dump(), offline.at(key).dump()) << key;
  }
  EXPECT_FALSE(online.contains("fd"));  // 96 images: the name says so
  EXPECT_EQ(online.at("setting"), offline.at("setting"));
  const nlohmann::json& setting = online.at("setting");
  EXPECT_EQ(setting.at("nfe"), 12);  // Euler, 6 steps, guided everywhere: 2 evaluations a step
  EXPECT_EQ(setting.at("seeds"), nlohmann::json({0, 96}));
  EXPECT_EQ(setting.at("feature_net").get<std::string>().rfind("fashion-classifier@", 0), 0u);
  EXPECT_EQ(setting.at("reference").get<std::string>().size(), 16u);
}

}  // namespace
