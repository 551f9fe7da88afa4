// One tiny `dact train` under mpirun (2 trainers, an evaluator rank), then:
//  - online equals offline: the metrics the evaluator actors logged for the snapshot
//    are those `dact eval` prints for it with the same settings, to the last digit,
//    and both lines record the same setting;
//  - stats.jsonl's loss by noise level counts every trainer's samples, and its
//    count-weighted bucket means are the reported loss.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
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

std::vector<nlohmann::json> json_lines(const fs::path& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

class OnlineOfflineFd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ = dact::testing::shared_evaluation_fixture();
    root_ = fs::temp_directory_path() / ("dact_online_offline_" + std::to_string(::getpid()));
    fs::create_directories(root_);
    // 4 steps of 16 images (8 per trainer), one snapshot at the end; 96 images in the
    // default parts (32) and sampling batch (64), so part boundaries cut sampling batches.
    const nlohmann::json config = {
        {"seed", 3},
        {"dataset", {{"dir", fixture_.dataset.string()}}},
        {"model", dact::testing::tiny_edm2_model()},
        {"roles", {{"data_loader", 1}, {"trainer", 2}, {"ema", 1}, {"evaluator", 1}}},
        {"trainer", {{"batch", 16}, {"batch_per_rank", 8}, {"ref_lr", 0.01}, {"rampup_Mimg", 0.0001},
                     {"checkpoint_every_steps", 4}, {"ema_every_steps", 1}, {"status_every_s", 0}}},
        {"ema", {{"stds", {0.05, 0.1}}, {"snapshot_every_kimg", 0.064},
                 {"preview", {{"per_class", 1}, {"num_steps", 2}}}}},
        {"eval", {{"enabled", true}, {"num_images", 96}, {"ema_std", 0.1}, {"sampler", "euler"}, {"steps", 6},
                  {"guidance", 1.5}, {"features", fixture_.features.string()},
                  {"reference", fixture_.reference.string()}, {"threads", 1}, {"final_wait_s", 240}}},
        {"run", {{"duration_kimg", 0.064}, {"threads", {{"trainer", 1}}}}},
    };
    std::ofstream(root_ / "config.json") << config.dump(2);
    trained_ = dact::testing::run_dact_command(
        "train --config " + (root_ / "config.json").string() + " --run-dir " + (root_ / "run").string(),
        /*merge_stderr=*/true);
  }
  static void TearDownTestSuite() {
    if (!kept_for_inspection_) fs::remove_all(root_);
  }
  void TearDown() override { kept_for_inspection_ = kept_for_inspection_ || HasFailure(); }

  static dact::testing::EvaluationFixture fixture_;
  static fs::path root_;
  static dact::testing::DactResult trained_;
  static bool kept_for_inspection_;
};

dact::testing::EvaluationFixture OnlineOfflineFd::fixture_;
fs::path OnlineOfflineFd::root_;
dact::testing::DactResult OnlineOfflineFd::trained_{-1, ""};
bool OnlineOfflineFd::kept_for_inspection_ = false;

TEST_F(OnlineOfflineFd, EvaluatorLineEqualsDactEvalToTheLastDigit) {
  ASSERT_EQ(trained_.exit_code, 0) << trained_.output;
  const std::vector<nlohmann::json> lines = json_lines(root_ / "run" / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 1u) << trained_.output;
  const nlohmann::json& online = lines[0];

  const dact::testing::DactResult offline_run = dact::testing::run_dact_command(
      "eval --snapshot " + online.at("snapshot").get<std::string>() + " --ref " + fixture_.reference.string() +
      " --num 96 --std 0.1 --sampler euler --steps 6 --guidance 1.5 --threads 1");
  ASSERT_EQ(offline_run.exit_code, 0) << offline_run.output;
  // The last line of the output is the metrics line.
  const std::string& text = offline_run.output;
  const nlohmann::json offline = nlohmann::json::parse(text.substr(text.rfind('\n', text.size() - 2) + 1));

  // The numbers' text as each line holds it.
  for (const char* key : {"fd96", "kid_mean", "kid_std", "precision", "recall"}) {
    ASSERT_TRUE(online.contains(key)) << key << " missing from " << online.dump();
    EXPECT_EQ(online.at(key).dump(), offline.at(key).dump()) << key;
  }
  EXPECT_FALSE(online.contains("fd"));  // 96 images: the name says so
  EXPECT_EQ(online.at("setting"), offline.at("setting"));
  const nlohmann::json& setting = online.at("setting");
  EXPECT_EQ(setting.at("nfe"), 12);  // Euler, 6 steps, guided at every step: 2 evaluations each
  EXPECT_EQ(setting.at("seeds"), nlohmann::json({0, 96}));
  EXPECT_EQ(setting.at("feature_net").get<std::string>().rfind("fashion-classifier@", 0), 0u);
  EXPECT_EQ(setting.at("reference").get<std::string>().size(), 16u);
}

TEST_F(OnlineOfflineFd, LossByNoiseLevelCountsEveryTrainersSamples) {
  ASSERT_EQ(trained_.exit_code, 0) << trained_.output;
  int64_t samples = 0;
  for (const nlohmann::json& line : json_lines(root_ / "run" / "stats.jsonl")) {
    if (!line.contains("loss_by_noise_level")) continue;
    const nlohmann::json& levels = line.at("loss_by_noise_level");
    EXPECT_EQ(levels.at("of"), "sigma");
    int64_t count = 0;
    double weighted = 0;
    for (size_t b = 0; b < levels.at("count").size(); ++b) {
      const int64_t n = levels.at("count")[b].get<int64_t>();
      count += n;
      if (n > 0) weighted += n * levels.at("mean")[b].get<double>();
    }
    // Every step is reported (status_every_s 0): 16 samples a step, 8 from each trainer.
    EXPECT_EQ(count % 16, 0) << line.dump();
    const double loss = line.at("loss").get<double>();
    EXPECT_NEAR(weighted / count, loss, 1e-5 * std::abs(loss)) << line.dump();
    samples += count;
  }
  EXPECT_EQ(samples, 64) << "4 steps of 16 samples";
}

}  // namespace
