// Snapshots never overwrite each other: one tiny `dact train` under mpirun (2 trainers,
// an evaluator rank) with a snapshot every 32 images and an end at 112 images, inside the
// same kimg as every periodic snapshot. Before snapshots were named by their image count,
// all four were written to snapshot-000000.h5, each over the one before. Now every
// snapshot the EMA actor reports is its own file holding its own time, each preview grid
// too, each metrics line names its own snapshot's nimg, and `dact status`, `dact ema
// reconstruct --out-kimg` and the run's listing all tell the four apart.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "storage/nimg_name.h"
#include "storage/run_directory.h"
#include "storage/tensor_file.h"
#include "tests/support/evaluation_fixture.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/tiny_run.h"

namespace {

namespace fs = std::filesystem;

constexpr int64_t kBatch = 16, kSnapshotEveryNimg = 32;
constexpr double kDurationKimg = 0.104;  // ceil(104 / 16) = 7 steps: the run ends at 112 images

// The image counts of the snapshots the EMA actor's rule takes (ema_every_steps 1): a
// step whose nimg crosses a multiple of the interval, and the last step.
std::vector<int64_t> expected_snapshot_nimgs() {
  const int64_t last_step = 7;
  std::vector<int64_t> nimgs;
  for (int64_t step = 1; step <= last_step; ++step) {
    const int64_t nimg = step * kBatch, before = (step - 1) * kBatch;
    if (step == last_step || nimg / kSnapshotEveryNimg > before / kSnapshotEveryNimg) nimgs.push_back(nimg);
  }
  return nimgs;  // 32, 64, 96, 112
}

class SnapshotNames : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ = dact::testing::shared_evaluation_fixture();
    root_ = fs::temp_directory_path() / ("dact_snapshot_names_" + std::to_string(::getpid()));
    fs::create_directories(root_);
    const nlohmann::json config = {
        {"seed", 5},
        {"dataset", {{"dir", fixture_.dataset.string()}}},
        {"model", dact::testing::tiny_edm2_model()},
        {"roles", {{"data_loader", 1}, {"trainer", 2}, {"ema", 1}, {"evaluator", 1}}},
        {"trainer", {{"batch", kBatch}, {"batch_per_rank", 8}, {"ref_lr", 0.01}, {"rampup_Mimg", 0.0001},
                     {"checkpoint_every_steps", 4}, {"ema_every_steps", 1}, {"status_every_s", 0}}},
        {"ema", {{"stds", {0.05, 0.1}}, {"snapshot_every_kimg", kSnapshotEveryNimg / 1000.0},
                 {"preview", {{"per_class", 1}, {"num_steps", 2}}}}},
        {"eval", {{"enabled", true}, {"num_images", 32}, {"part_images", 32}, {"ema_std", 0.1},
                  {"sampler", "euler"}, {"steps", 2}, {"batch", 32}, {"max_pending", 8},
                  {"features", fixture_.features.string()}, {"reference", fixture_.reference.string()},
                  {"threads", 1}, {"final_wait_s", 300}}},
        {"run", {{"duration_kimg", kDurationKimg}, {"threads", {{"trainer", 1}}}}},
    };
    std::ofstream(root_ / "config.json") << config.dump(2);
    trained_ = dact::testing::run_dact_command(
        "train --config " + (root_ / "config.json").string() + " --run-dir " + run().string(),
        /*merge_stderr=*/true);
  }
  static void TearDownTestSuite() {
    if (!kept_for_inspection_) fs::remove_all(root_);
  }
  void TearDown() override { kept_for_inspection_ = kept_for_inspection_ || HasFailure(); }

  static fs::path run() { return root_ / "run"; }

  static dact::testing::EvaluationFixture fixture_;
  static fs::path root_;
  static dact::testing::DactResult trained_;
  static bool kept_for_inspection_;
};

dact::testing::EvaluationFixture SnapshotNames::fixture_;
fs::path SnapshotNames::root_;
dact::testing::DactResult SnapshotNames::trained_{-1, ""};
bool SnapshotNames::kept_for_inspection_ = false;

std::vector<std::string> file_names(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename().string());
  return {names.begin(), names.end()};
}

TEST_F(SnapshotNames, EverySnapshotAndPreviewIsItsOwnFile) {
  ASSERT_EQ(trained_.exit_code, 0) << trained_.output;
  const std::vector<int64_t> expected = expected_snapshot_nimgs();
  ASSERT_EQ(expected, (std::vector<int64_t>{32, 64, 96, 112}));
  std::vector<std::string> snapshots, grids;
  for (int64_t nimg : expected) {
    snapshots.push_back("snapshot-" + dact::storage::nimg_name(nimg) + ".h5");
    grids.push_back(dact::storage::nimg_name(nimg) + ".png");
  }
  EXPECT_EQ(file_names(run() / "snapshots"), snapshots);
  EXPECT_EQ(file_names(run() / "samples"), grids);
  // Each file holds the tracks of the time its name says.
  for (int64_t nimg : expected) {
    const std::string path = dact::storage::RunDirectory(run().string()).snapshot_path(nimg);
    EXPECT_EQ(dact::storage::read_tensor_file_metadata(path).at("nimg").get<int64_t>(), nimg) << path;
  }
  // Every snapshot the EMA actor reported went to a path no other report used: none was
  // written over another.
  const std::string log = dact::testing::read_text(run() / "log.txt");
  const std::regex reported(R"(snapshot at (\d+) images: (/\S+\.h5))");
  std::map<std::string, int64_t> reports;
  int report_count = 0;
  for (std::sregex_iterator it(log.begin(), log.end(), reported), end; it != end; ++it, ++report_count) {
    reports[fs::path((*it)[2].str()).filename().string()] = std::stoll((*it)[1].str());
  }
  EXPECT_EQ(report_count, static_cast<int>(expected.size())) << log;
  ASSERT_EQ(reports.size(), expected.size()) << log;
  for (int64_t nimg : expected) {
    EXPECT_EQ(reports["snapshot-" + dact::storage::nimg_name(nimg) + ".h5"], nimg);
  }
}

TEST_F(SnapshotNames, EachMetricsLineNamesItsOwnSnapshot) {
  ASSERT_EQ(trained_.exit_code, 0) << trained_.output;
  std::vector<int64_t> measured;
  std::ifstream file(run() / "metrics.jsonl");
  for (std::string text; std::getline(file, text);) {
    const nlohmann::json line = nlohmann::json::parse(text);
    const int64_t nimg = line.at("nimg").get<int64_t>();
    EXPECT_DOUBLE_EQ(line.at("kimg").get<double>(), nimg / 1000.0) << text;
    EXPECT_EQ(fs::path(line.at("snapshot").get<std::string>()).filename().string(),
              "snapshot-" + dact::storage::nimg_name(nimg) + ".h5")
        << text;
    EXPECT_TRUE(line.contains("fd32")) << text;
    measured.push_back(nimg);
  }
  std::sort(measured.begin(), measured.end());
  EXPECT_EQ(measured, expected_snapshot_nimgs()) << trained_.output;

  // `dact status` reports the newest line at its fractional kimg.
  const dact::testing::DactResult status = dact::testing::run_dact_command("status --run-dir " + run().string());
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_TRUE(std::regex_search(status.output, std::regex(R"(at 0\.(032|064|096|112) kimg)"))) << status.output;
}

TEST_F(SnapshotNames, ReconstructionAtAFractionalKimgIsNamedByItsImageCount) {
  ASSERT_EQ(trained_.exit_code, 0) << trained_.output;
  const fs::path out = root_ / "phema";
  const dact::testing::DactResult made = dact::testing::run_dact_command(
      "ema reconstruct --run-dir " + run().string() + " --std 0.08 --out-kimg 0.064 --out " + out.string(), true);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const fs::path file = out / "phema-000000.064-0.080.h5";
  ASSERT_TRUE(fs::exists(file)) << made.output;
  EXPECT_EQ(dact::storage::read_tensor_file_metadata(file.string()).at("nimg").get<int64_t>(), 64);
}

}  // namespace
