// `dact features train/extract`, `dact eval ref`, `dact sample` and `dact eval` run
// through the built binary on tiny inputs: a 28x28 dataset cut from the real
// Fashion-MNIST, a classifier trained for a few steps, and a snapshot of a small
// random EDM2 net. Bad inputs must give clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "models/features/feature_network.h"
#include "storage/h5_tensor_io.h"
#include "storage/idx_file.h"
#include "storage/shard_writer.h"
#include "workers/evaluator/reference_statistics.h"
#include "tests/support/model_snapshot.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/test_paths.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

dact::testing::DactResult run_dact(const std::string& arguments) {
  return dact::testing::run_dact_command(arguments, /*merge_stderr=*/true);
}

// The last line of a command's output (its JSON result; log lines come before).
nlohmann::json last_json_line(const std::string& output) {
  std::string text = output;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return nlohmann::json::parse(text.substr(text.rfind('\n') + 1));
}

void write_split(const std::string& dir, const std::string& prefix, int64_t count) {
  const torch::Tensor images = storage::read_idx_file(dact::testing::fashion_mnist_dir() + "/" + prefix + "-images-idx3-ubyte.gz");
  const torch::Tensor labels = storage::read_idx_file(dact::testing::fashion_mnist_dir() + "/" + prefix + "-labels-idx1-ubyte.gz");
  storage::ShardWriterOptions options;
  options.sample_shape = {1, 28, 28};
  options.resolution = 28;
  for (int i = 0; i < 10; ++i) options.class_names.push_back(std::to_string(i));
  storage::ShardWriter writer(dir, options);
  writer.add(images.slice(0, 0, count).unsqueeze(1).contiguous(), labels.slice(0, 0, count).to(torch::kInt64));
  writer.finish();
}

// A snapshot of a random 28x28 class-conditional EDM2 net with tracks of std 0.05 and 0.1.
void write_snapshot(const std::string& path) {
  dact::testing::write_model_snapshot(
      path, {{"arch", "edm2-precond"}, {"preset", "edm2-fashion-tiny"}, {"img_resolution", 28}}, {0.05, 0.1});
}

class FeaturesEvalCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string((fs::temp_directory_path() / ("dact_features_cli_" + std::to_string(::getpid()))).string());
    fs::create_directories(*dir_);
    write_split(dataset() + "/train", "train", 1000);
    write_split(dataset() + "/test", "t10k", 200);
    write_snapshot(snapshot());
    const auto train = run_dact("features train --dataset " + dataset() + " --out " + weights() +
                                " --epochs 1 --batch 32 --threads 2");
    ASSERT_EQ(train.exit_code, 0) << train.output;
    train_result_ = new nlohmann::json(last_json_line(train.output));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete train_result_;
  }
  static std::string path(const std::string& name) { return *dir_ + "/" + name; }
  static std::string dataset() { return path("data"); }
  static std::string weights() { return path("classifier.h5"); }
  static std::string snapshot() { return path("snapshot-000001.h5"); }

  static std::string* dir_;
  static nlohmann::json* train_result_;
};
std::string* FeaturesEvalCli::dir_ = nullptr;
nlohmann::json* FeaturesEvalCli::train_result_ = nullptr;

TEST_F(FeaturesEvalCli, TrainPrintsHeldOutAccuracyAndWritesLoadableWeights) {
  EXPECT_EQ(train_result_->at("test_samples").get<int64_t>(), 200);
  EXPECT_EQ(train_result_->at("train_samples").get<int64_t>(), 1000);
  EXPECT_GT(train_result_->at("test_accuracy").get<double>(), 0.3);  // chance: 0.1
  EXPECT_EQ(models::features::load_feature_network(weights())->dim(), 128);
}

TEST_F(FeaturesEvalCli, ExtractWritesOneFeatureRowPerImage) {
  const auto sample = run_dact("sample --snapshot " + snapshot() + " --steps 2 --num 6 --out " + path("extract-in"));
  ASSERT_EQ(sample.exit_code, 0) << sample.output;
  const auto extract = run_dact("features extract --net fashion-classifier --weights " + weights() + " --input " +
                                path("extract-in/images.h5") + ":images --out " + path("features.h5"));
  ASSERT_EQ(extract.exit_code, 0) << extract.output;
  const H5::H5File file = storage::open_h5_for_reading(path("features.h5"));
  const torch::Tensor features = storage::read_h5_tensor(file, "features");
  EXPECT_EQ(features.sizes(), (torch::IntArrayRef{6, 128}));
  EXPECT_EQ(storage::read_h5_string_attribute(file, "feature_net"),
            models::features::load_feature_network(weights())->name());
}

TEST_F(FeaturesEvalCli, ExtractRejectsBadNetInputAndMismatchedWeights) {
  const auto unknown = run_dact("features extract --net resnet --weights " + weights() + " --input " + weights() +
                                ":x --out " + path("x.h5"));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("--net 'resnet': expected inception-v3 or fashion-classifier"), std::string::npos)
      << unknown.output;

  const auto missing = run_dact("features extract --net fashion-classifier --weights " + weights() + " --input " +
                                weights() + ":no_such_images --out " + path("x.h5"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("classifier.h5: no dataset 'no_such_images'"), std::string::npos) << missing.output;

  const auto wrong_net = run_dact("features extract --net inception-v3 --weights " + weights() + " --input " +
                                  weights() + ":x --out " + path("x.h5"));
  EXPECT_EQ(wrong_net.exit_code, 1);
  EXPECT_NE(wrong_net.output.find("holds a fashion-classifier network, not the --net inception-v3"),
            std::string::npos)
      << wrong_net.output;
  EXPECT_FALSE(fs::exists(path("x.h5")));
}

TEST_F(FeaturesEvalCli, SampleWritesGridAndSeededImages) {
  const auto result = run_dact("sample --snapshot " + snapshot() + " --std 0.1 --sampler heun --steps 2 --cfg 1.5 " +
                               "--num 12 --seed 3 --out " + path("samples"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(fs::exists(path("samples/grid.png")));
  const H5::H5File file = storage::open_h5_for_reading(path("samples/images.h5"));
  const torch::Tensor images = storage::read_h5_tensor(file, "images");
  EXPECT_EQ(images.sizes(), (torch::IntArrayRef{12, 1, 28, 28}));
  EXPECT_EQ(images.scalar_type(), torch::kUInt8);
  // Image i has seed 3 + i and class (3 + i) mod 10.
  EXPECT_TRUE(torch::equal(storage::read_h5_tensor(file, "labels"),
                           torch::tensor({3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4}, torch::kInt64)));

  const auto bad_std = run_dact("sample --snapshot " + snapshot() + " --std 0.3 --out " + path("samples2"));
  EXPECT_EQ(bad_std.exit_code, 1);
  EXPECT_NE(bad_std.output.find("no EMA track with std 0.3"), std::string::npos) << bad_std.output;
  EXPECT_NE(bad_std.output.find("0.05, 0.1"), std::string::npos) << bad_std.output;
}

TEST_F(FeaturesEvalCli, EvalMatchesEvalCompareOfTheSameImages) {
  const auto ref = run_dact("eval ref --dataset " + dataset() + " --split test --features " + weights() +
                            " --max-features 0 --out " + path("ref.h5"));
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  const workers::evaluator::ReferenceStatistics reference =
      workers::evaluator::read_reference_statistics(path("ref.h5"));
  EXPECT_EQ(reference.stats.count, 200);
  EXPECT_EQ(reference.features.size(0), 200);
  EXPECT_EQ(reference.feature_net, models::features::load_feature_network(weights())->name());

  const auto eval = run_dact("eval --snapshot " + snapshot() + " --ref " + path("ref.h5") +
                             " --num 20 --steps 2 --kid-subsets 1 --kid-subset-size 20");
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  const nlohmann::json metrics = last_json_line(eval.output);
  EXPECT_EQ(metrics.at("images").get<int64_t>(), 20);

  // The same 20 images through sample + features extract + eval compare.
  ASSERT_EQ(run_dact("sample --snapshot " + snapshot() + " --steps 2 --num 20 --out " + path("eval-in")).exit_code, 0);
  ASSERT_EQ(run_dact("features extract --net fashion-classifier --weights " + weights() + " --input " +
                     path("eval-in/images.h5") + ":images --out " + path("eval-features.h5"))
                .exit_code,
            0);
  const auto compare = run_dact("eval compare --gen " + path("eval-features.h5") + ":features --ref " +
                                path("ref.h5") + ":tensors/features --kid-subsets 1 --kid-subset-size 20");
  ASSERT_EQ(compare.exit_code, 0) << compare.output;
  const nlohmann::json expected = last_json_line(compare.output);
  // "fd20": the name says 20 images; eval compare knows no protocol and says "fd".
  for (const auto& [key, compare_key] : std::vector<std::pair<std::string, std::string>>{
           {"fd20", "fd"}, {"kid_mean", "kid_mean"}, {"precision", "precision"}, {"recall", "recall"}}) {
    const double a = metrics.at(key).get<double>(), b = expected.at(compare_key).get<double>();
    EXPECT_NEAR(a, b, 1e-6 * std::max(1.0, std::abs(b))) << key;
  }
}

TEST_F(FeaturesEvalCli, EvalRejectsReferenceOfAnotherFeatureNet) {
  const auto other = run_dact("features train --dataset " + dataset() + " --out " + path("other.h5") +
                              " --epochs 1 --max-train 64 --max-test 10 --seed 7");
  ASSERT_EQ(other.exit_code, 0) << other.output;
  ASSERT_EQ(run_dact("eval ref --dataset " + dataset() + " --split test --features " + weights() + " --out " +
                     path("ref2.h5"))
                .exit_code,
            0);
  const auto eval = run_dact("eval --snapshot " + snapshot() + " --ref " + path("ref2.h5") + " --features " +
                             path("other.h5") + " --num 4 --steps 2");
  EXPECT_EQ(eval.exit_code, 1);
  EXPECT_NE(eval.output.find("feature net mismatch"), std::string::npos) << eval.output;

  const auto missing_split = run_dact("eval ref --dataset " + dataset() + " --split val --features " + weights() +
                                      " --out " + path("ref3.h5"));
  EXPECT_EQ(missing_split.exit_code, 1);
  EXPECT_NE(missing_split.output.find("'val' subdirectory"), std::string::npos) << missing_split.output;
}

TEST_F(FeaturesEvalCli, ProtocolRefusesAnotherFeatureNetAndReadsSeedRanges) {
  ASSERT_EQ(run_dact("eval ref --dataset " + dataset() + " --split test --features " + weights() + " --out " +
                     path("ref4.h5"))
                .exit_code,
            0);
  // fid50k measures with Inception-v3 (TF1); a classifier is refused before any sampling.
  const auto refused = run_dact("eval --snapshot " + snapshot() + " --ref " + path("ref4.h5") + " --protocol fid50k");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("protocol fid50k measures with Inception-v3"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find(weights() + " is 'fashion-classifier@"), std::string::npos) << refused.output;

  const auto bad_range = run_dact("eval --snapshot " + snapshot() + " --ref " + path("ref4.h5") + " --seeds 9-3");
  EXPECT_EQ(bad_range.exit_code, 1);
  EXPECT_NE(bad_range.output.find("--seeds '9-3'"), std::string::npos) << bad_range.output;

  const auto ranged = run_dact("eval --snapshot " + snapshot() + " --ref " + path("ref4.h5") +
                               " --seeds 100-111 --steps 2 --kid-subsets 1 --kid-subset-size 12");
  ASSERT_EQ(ranged.exit_code, 0) << ranged.output;
  const nlohmann::json metrics = last_json_line(ranged.output);
  EXPECT_TRUE(metrics.contains("fd12")) << metrics.dump();
  EXPECT_EQ(metrics.at("setting").at("seeds"), nlohmann::json({100, 112}));
  EXPECT_TRUE(metrics.at("setting").at("protocol").is_null());
}

}  // namespace
}  // namespace dact::launch
