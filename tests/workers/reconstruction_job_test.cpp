// An autoencoder's evaluation and preview: parts reconstruct held-out images by index
// (split at a batch multiple they merge into the very result of one job), PSNR follows
// its definition, the coordinator's measure adds the mean PSNR, and the preview grid
// pairs each image with its reconstruction.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "models/autoencoding_model.h"
#include "models/features/fashion_classifier.h"
#include "models/features/fashion_classifier_training.h"
#include "models/features/feature_network.h"
#include "models/pixel_range.h"
#include "storage/shard_writer.h"
#include "workers/ema/ema_snapshot.h"
#include "workers/ema/preview_grid.h"
#include "workers/evaluator/reconstruction_messages.h"
#include "workers/evaluator/reconstruction_results.h"
#include "workers/evaluator/snapshot_network.h"
#include "workers/job_payload.h"
#include "tests/support/tiny_feature_network.h"

namespace dact::workers::evaluator {
namespace {

namespace fs = std::filesystem;

// 8x8x1 -> 4x4x4.
const nlohmann::json kTinyAutoencoderModel = {
    {"arch", "kl-autoencoder"}, {"ch", 32}, {"ch_mult", {1, 2}}, {"num_res_blocks", 1},
    {"attn_resolutions", nlohmann::json::array()}, {"resolution", 8}, {"in_channels", 1},
    {"z_channels", 4}, {"embed_dim", 4}};

class ReconstructionJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(2);
    dir_ = fs::temp_directory_path() / ("dact_reconstruction_job_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    // 12 random images of 2 classes, alternating.
    torch::manual_seed(1);
    storage::ShardWriterOptions options;
    options.sample_shape = {1, 8, 8};
    options.resolution = 8;
    options.class_names = {"a", "b"};
    options.shard_size = 5;
    dataset_dir_ = (dir_ / "test").string();
    storage::ShardWriter writer(dataset_dir_, options);
    writer.add(torch::randint(0, 256, {12, 1, 8, 8}).to(torch::kUInt8), torch::arange(12) % 2);
    writer.finish();

    torch::manual_seed(2);
    const std::unique_ptr<models::Model> built = models::parse_model_spec(kTinyAutoencoderModel, "model")->build();
    ema::EmaSnapshot snapshot;
    snapshot.stds = {0.05, 0.1};
    storage::NamedTensors params;
    for (const auto& item : built->module().named_parameters()) params[item.key()] = item.value().detach().clone();
    snapshot.tracks = {params, params};
    for (const auto& item : built->module().named_buffers()) snapshot.buffers[item.key()] = item.value().detach().clone();
    snapshot.model = kTinyAutoencoderModel;
    snapshot_path_ = (dir_ / "snapshot-000001.h5").string();
    ema::write_ema_snapshot(snapshot_path_, snapshot);

    features_ = dact::testing::tiny_feature_network(1, 8);
    held_out_ = std::make_unique<storage::ShardDataset>(dataset_dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ReconstructionJob job(int64_t begin, int64_t end, int64_t batch) const {
    ReconstructionJob job;
    job.snapshot_path = snapshot_path_;
    job.held_out_dataset = dataset_dir_;
    job.index_begin = begin;
    job.index_end = end;
    job.batch = batch;
    return job;
  }

  fs::path dir_;
  std::string dataset_dir_, snapshot_path_;
  std::unique_ptr<models::features::FeatureNetwork> features_;
  std::unique_ptr<storage::ShardDataset> held_out_;
};

TEST(ReconstructionPsnr, FollowsTheDefinitionOnUint8Pixels) {
  const torch::Tensor a = torch::full({2, 1, 4, 4}, 100, torch::kUInt8);
  torch::Tensor b = a.clone();
  b[0].fill_(101);  // MSE 1: 10 log10(255^2)
  const torch::Tensor psnr = psnr_db(a, b);
  EXPECT_NEAR(psnr[0].item<double>(), 20 * std::log10(255.0), 1e-9);
  EXPECT_EQ(psnr[1].item<double>(), kExactReconstructionPsnrDb);
  b[0][0][0].fill_(110);  // 4 pixels off by 10, 12 by 1: MSE (400 + 12) / 16
  EXPECT_NEAR(psnr_db(a, b)[0].item<double>(), 10 * std::log10(255.0 * 255.0 * 16 / 412), 1e-9);
}

TEST_F(ReconstructionJobTest, PartsSplitAtABatchMultipleMergeIntoTheSameResultBitForBit) {
  const ReconstructionPart whole = run_reconstruction_part(job(0, 12, 4), *features_, *held_out_);
  const ReconstructionPart merged = merge_reconstruction_parts(
      {run_reconstruction_part(job(0, 4, 4), *features_, *held_out_),
       run_reconstruction_part(job(4, 12, 4), *features_, *held_out_)});
  EXPECT_EQ(whole.features.images, 12);
  EXPECT_TRUE(torch::equal(whole.features.features, merged.features.features));
  EXPECT_TRUE(torch::equal(whole.features.stats.outer_sum, merged.features.stats.outer_sum));
  EXPECT_TRUE(torch::equal(whole.psnr, merged.psnr));
}

TEST_F(ReconstructionJobTest, PsnrAndFeaturesAreThoseOfThePosteriorMeansDecoding) {
  const ReconstructionPart part = run_reconstruction_part(job(2, 7, 8), *features_, *held_out_);
  const std::unique_ptr<models::Model> net = load_snapshot_network(snapshot_path_, 0.1);
  const torch::Tensor originals = held_out_->read({2, 3, 4, 5, 6}).samples;
  const torch::Tensor reconstructions = models::model_space_to_pixels(
      models::as_autoencoding(*net)->reconstruct(models::pixels_to_model_space(originals)));
  const torch::Tensor mse = (originals.to(torch::kFloat64) - reconstructions.to(torch::kFloat64)).pow(2).mean({1, 2, 3});
  EXPECT_TRUE(torch::allclose(part.psnr, 10 * torch::log10(255.0 * 255.0 / mse)));
  EXPECT_TRUE(torch::allclose(part.features.features, features_->features(reconstructions).to(torch::kFloat32)));
  EXPECT_EQ(part.features.seed_begin, 2);
  EXPECT_EQ(part.features.seed_end, 7);
}

TEST_F(ReconstructionJobTest, RangeBeyondTheHeldOutSplitIsAnErrorNamingIt) {
  try {
    run_reconstruction_part(job(8, 20, 4), *features_, *held_out_);
    ADD_FAILURE() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(dataset_dir_ + " (12 images; lower eval.num_images)"), std::string::npos)
        << e.what();
  }
}

TEST_F(ReconstructionJobTest, EvaluatorAndCoordinatorEndsCarryThePsnr) {
  const std::string weights = (dir_ / "features.h5").string();
  torch::manual_seed(3);
  models::features::FashionClassifier classifier_net(dact::testing::tiny_classifier_config(1, 8));
  models::features::write_fashion_classifier(weights, classifier_net, nlohmann::json::object());
  ReconstructionPartEvaluator evaluator(1);
  std::vector<actors::Bytes> results;
  for (int64_t part = 0; part < 2; ++part) {
    ReconstructPart message;
    message.part_index = part;
    message.job = job(6 * part, 6 * part + 6, 4);
    message.job.feature_weights = weights;
    const ReconstructPart decoded = from_job_bytes<ReconstructPart>(to_job_bytes(message));
    EXPECT_EQ(decoded.job.held_out_dataset, dataset_dir_);
    EXPECT_EQ(decoded.job.index_end, 6 * part + 6);
    results.push_back(evaluator.evaluate(to_job_bytes(decoded)));
    ASSERT_EQ(from_job_bytes<EvaluatedPart>(results.back()).error, "");
  }
  const std::unique_ptr<models::features::FeatureNetwork> net = models::features::load_feature_network(weights);
  const ReconstructionPart whole = run_reconstruction_part(job(0, 12, 4), *net, *held_out_);
  ReferenceStatistics reference(whole.features.stats.dim);
  reference.feature_net = whole.features.feature_net;
  reference.stats = whole.features.stats;
  reference.features = whole.features.features;
  const MeasuredEvaluation measured = measure_reconstruction_parts(results, reference);
  EXPECT_NEAR(measured.metrics.at("psnr").get<double>(), whole.psnr.mean().item<double>(), 1e-12);
  EXPECT_NEAR(measured.metrics.at("fd").get<double>(), 0.0, 1e-6);
  EXPECT_EQ(measured.metrics.at("images").get<int64_t>(), 12);
}

TEST_F(ReconstructionJobTest, PreviewGridPairsEachClassImageWithItsReconstruction) {
  const std::unique_ptr<models::Model> net = load_snapshot_network(snapshot_path_, 0.1);
  const std::shared_ptr<models::latent::PixelDecoder> decoder = models::latent::pixel_space_decoder();
  ema::PreviewOptions options;
  options.per_class = 3;
  EXPECT_THROW(ema::sample_preview_grid(*net, *decoder, options), std::invalid_argument);  // nothing to reconstruct
  options.reconstruct_dataset = dataset_dir_;
  const torch::Tensor grid = ema::sample_preview_grid(*net, *decoder, options);
  ASSERT_EQ(grid.sizes(), (std::vector<int64_t>{1, 2 * 8, 2 * 3 * 8}));
  // Row c holds class c's first images (indices c, c + 2, c + 4) in even columns.
  const torch::Tensor originals = held_out_->read({0, 2, 4, 1, 3, 5}).samples;
  for (int64_t i = 0; i < 6; ++i) {
    const int64_t row = i / 3, column = 2 * (i % 3);
    EXPECT_TRUE(torch::equal(grid.slice(1, row * 8, row * 8 + 8).slice(2, column * 8, column * 8 + 8),
                             originals[i]))
        << i;
  }
  options.per_class = 7;  // each class has 6
  EXPECT_THROW(ema::sample_preview_grid(*net, *decoder, options), std::invalid_argument);
}

}  // namespace
}  // namespace dact::workers::evaluator
