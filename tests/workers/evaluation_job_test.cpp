// The evaluation compute path: images depend on their seed alone, so an evaluation
// split into parts (at a multiple of the batch) gives the very same features and
// statistics as one job; merging, track selection, reference statistics and metrics.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "models/edm2/edm2_configs.h"
#include "models/features/fashion_classifier.h"
#include "models/state_dict.h"
#include "storage/storage_error.h"
#include "workers/ema/ema_snapshot.h"
#include "workers/evaluator/evaluation_job.h"
#include "workers/evaluator/evaluation_metrics.h"
#include "workers/evaluator/reference_statistics.h"
#include "workers/evaluator/seeded_images.h"
#include "tests/support/tiny_feature_network.h"

namespace dact::workers::evaluator {
namespace {

namespace fs = std::filesystem;

class EvaluationJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(2);
    dir_ = fs::temp_directory_path() / ("dact_evaluation_job_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    config_ = models::edm2_named_config("edm2-tiny");  // 8x8, 4 channels, 10 classes
    torch::manual_seed(0);
    models::Edm2Precond net(config_);
    // EDM2 initializes its output gains to 0 (D = c_skip x); non-zero gains make the
    // U-Net, and so the batch it runs on, matter.
    ema::EmaSnapshot snapshot;
    snapshot.stds = {0.05, 0.1};
    storage::NamedTensors params;
    for (const auto& item : net->named_parameters()) {
      torch::Tensor value = item.value().detach().clone();
      if (item.key().find("gain") != std::string::npos) value.fill_(0.7);
      params[item.key()] = value;
    }
    snapshot.tracks = {params, params};
    for (auto& [name, value] : snapshot.tracks[0]) value = value * 0.5;  // a different std-0.05 track
    for (const auto& item : net->named_buffers()) snapshot.buffers[item.key()] = item.value().detach().clone();
    snapshot.model = {{"preset", "edm2-tiny"}};
    snapshot_path_ = (dir_ / "snapshot-000001.h5").string();
    ema::write_ema_snapshot(snapshot_path_, snapshot);

    features_ = dact::testing::tiny_feature_network(4, 8);
  }
  void TearDown() override { fs::remove_all(dir_); }

  EvaluationJob job(int64_t begin, int64_t end, int64_t batch) const {
    EvaluationJob job;
    job.snapshot_path = snapshot_path_;
    job.ema_std = 0.1;
    job.steps = 3;
    job.guidance = 1.5;  // CFG runs conditional and unconditional rows in one batch
    job.seed_begin = begin;
    job.seed_end = end;
    job.batch = batch;
    return job;
  }

  fs::path dir_;
  models::Edm2PrecondConfig config_;
  std::string snapshot_path_;
  std::unique_ptr<models::features::FeatureNetwork> features_;
};

TEST_F(EvaluationJobTest, PartsSplitAtABatchMultipleMergeIntoTheSameResultBitForBit) {
  const EvaluationPart whole = run_evaluation_part(job(0, 8, 4), *features_);
  const EvaluationPart merged = merge_parts({run_evaluation_part(job(0, 4, 4), *features_),
                                             run_evaluation_part(job(4, 8, 4), *features_)});
  EXPECT_EQ(whole.images, 8);
  EXPECT_EQ(merged.images, 8);
  EXPECT_EQ(merged.seed_begin, 0);
  EXPECT_EQ(merged.seed_end, 8);
  EXPECT_EQ(merged.stats.count, 8);
  EXPECT_EQ(merged.feature_net, features_->name());
  EXPECT_TRUE(torch::equal(merged.features, whole.features));
  EXPECT_TRUE(torch::equal(merged.stats.sum, whole.stats.sum));
  EXPECT_TRUE(torch::equal(merged.stats.outer_sum, whole.stats.outer_sum));
  // Different seeds give different images (the features are not constant).
  EXPECT_FALSE(torch::equal(whole.features[0], whole.features[1]));
}

TEST_F(EvaluationJobTest, ImageDependsOnItsSeedNotOnItsBatch) {
  const std::unique_ptr<models::Model> net = load_snapshot_network(snapshot_path_, 0.1);
  models::SamplingOptions options;
  options.steps = 3;
  const auto pixels = models::latent::pixel_space_decoder();
  const SeededImages all = generate_seeded_images(*net, *pixels, 0, 12, 12, options);
  const SeededImages some = generate_seeded_images(*net, *pixels, 5, 7, 2, options);
  EXPECT_TRUE(torch::equal(some.images, all.images.slice(0, 5, 7)));
  EXPECT_TRUE(torch::equal(all.labels, torch::tensor({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(seeded_noise(5, {4, 8}), seeded_noise(5, {4, 8})));
  EXPECT_FALSE(torch::equal(seeded_noise(5, {4, 8}), seeded_noise(6, {4, 8})));
}

TEST_F(EvaluationJobTest, TheTrackIsChosenByItsStd) {
  const std::unique_ptr<models::Model> half = load_snapshot_network(snapshot_path_, 0.05);
  const std::unique_ptr<models::Model> full = load_snapshot_network(snapshot_path_, 0.1);
  const auto half_weights = models::state_dict(half->module()), full_weights = models::state_dict(full->module());
  const std::string name = half->module().named_parameters().begin()->key();  // buffers are shared by the tracks
  EXPECT_TRUE(torch::allclose(half_weights.at(name) * 2, full_weights.at(name)));
  try {
    load_snapshot_network(snapshot_path_, 0.2);
    FAIL() << "expected a StorageError";
  } catch (const storage::StorageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(snapshot_path_), std::string::npos) << what;
    EXPECT_NE(what.find("0.05, 0.1"), std::string::npos) << what;
  }
}

TEST_F(EvaluationJobTest, MergeRejectsGapsAndMixedFeatureNets) {
  EvaluationPart a(2), b(2);
  a.feature_net = b.feature_net = "x";
  a.features = b.features = torch::zeros({0, 2});
  a.seed_begin = 0, a.seed_end = 4, b.seed_begin = 5, b.seed_end = 8;
  EXPECT_THROW(merge_parts({a, b}), std::invalid_argument);
  b.seed_begin = 4;
  b.feature_net = "y";
  EXPECT_THROW(merge_parts({a, b}), std::invalid_argument);
  b.feature_net = "x";
  EXPECT_EQ(merge_parts({a, b}).seed_end, 8);
}

TEST_F(EvaluationJobTest, MetricsAgainstItselfAreZeroDistanceAndFullCoverage) {
  const EvaluationPart part = run_evaluation_part(job(0, 12, 12), *features_);
  ReferenceStatistics reference(part.stats.dim);
  reference.feature_net = part.feature_net;
  reference.stats = part.stats;
  reference.features = part.features;
  const std::string path = (dir_ / "ref.h5").string();
  write_reference_statistics(path, reference);
  const ReferenceStatistics read = read_reference_statistics(path);
  EXPECT_EQ(read.feature_net, reference.feature_net);
  EXPECT_EQ(read.stats.count, 12);
  EXPECT_TRUE(torch::equal(read.stats.outer_sum, reference.stats.outer_sum));
  EXPECT_TRUE(torch::equal(read.features, reference.features));

  const nlohmann::json metrics = metrics_against_reference(part, read);
  EXPECT_NEAR(metrics.at("fd").get<double>(), 0.0, 1e-6);
  EXPECT_EQ(metrics.at("precision").get<double>(), 1.0);
  EXPECT_EQ(metrics.at("recall").get<double>(), 1.0);
  EXPECT_EQ(metrics.at("images").get<int64_t>(), 12);

  reference.feature_net = "inception-v3/tf1@0";
  EXPECT_THROW(metrics_against_reference(part, reference), std::invalid_argument);
}

}  // namespace
}  // namespace dact::workers::evaluator
