// `dataset.encode_from` end to end under mpirun: one `dact train` of a latent run
// trains a tiny autoencoder run (4 steps on Fashion-MNIST images), exports its EMA
// track, encodes the images with it and trains the EDM2 U-Net on the latents. Run
// again, it redoes nothing; with the weights file and the latents gone (a run
// interrupted before they were made), it makes them again from the finished
// autoencoder run without training it again, to the same weights.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "models/latent/autoencoder_weights.h"
#include "models/state_dict.h"
#include "storage/latent_manifest.h"
#include "storage/shard_manifest.h"
#include "tests/support/latent_test_files.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "workers/ema/ema_snapshot.h"

namespace {

namespace fs = std::filesystem;

class EncodeFromTrain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<dact::testing::TempDir>("dact-encode-from-train");
    const auto convert = dact::testing::run_dact_command("dataset convert --source " +
                                                             dact::testing::fashion_mnist_dir() + " --dest " +
                                                             path("fashion") + " --split test --resolution 32",
                                                         true);
    ASSERT_EQ(convert.exit_code, 0) << convert.output;
    // Two shards of 64 images; the latent run encodes the first only (max_shards).
    dact::testing::write_dataset_prefix(path("fashion/test"), path("pixels"), 128, 64);
    nlohmann::json autoencoder_model = dact::testing::tiny_autoencoder_config(32);  // 32x32x1 -> 8x8x4
    autoencoder_model["arch"] = "kl-autoencoder";
    const nlohmann::json autoencoder_run = {
        {"seed", 1},
        {"dataset", {{"dir", path("pixels")}}},
        {"model", autoencoder_model},
        {"roles", {{"data_loader", 1}, {"trainer", 1}, {"ema", 1}}},
        {"trainer", {{"batch", 16}, {"batch_per_rank", 8}, {"lr_schedule", "constant"}, {"base_lr", 0.01},
                     {"checkpoint_every_steps", 2}, {"status_every_s", 0}, {"loss", {{"reconstruction", "l1"}}}}},
        {"ema", {{"stds", {0.05, 0.1}}, {"snapshot_every_kimg", 0.032}, {"preview", {{"per_class", 1}}}}},
        {"eval", {{"ema_std", 0.1}}},
        {"run", {{"duration_kimg", 0.032}, {"threads", {{"trainer", 1}}}}},
    };
    std::ofstream(path("autoencoder.json")) << autoencoder_run.dump(2);
    const nlohmann::json latent_run = {
        {"seed", 2},
        {"dataset",
         {{"dir", path("latents/train")},
          {"encode_from",
           {{"source", path("pixels")},
            {"autoencoder", path("latents/autoencoder.h5")},
            // `set` reaches the autoencoder's run: batch 8, so 4 steps instead of the file's 2.
            {"autoencoder_run",
             {{"config", path("autoencoder.json")},
              {"run_dir", path("latents/autoencoder-run")},
              {"set", {{"trainer.batch", 8}}}}},
            {"dtype", "float16"},
            {"max_shards", 1}}},
          {"latent", nlohmann::json::object()}}},
        {"model", {{"arch", "edm2-precond"}, {"img_resolution", 8}, {"img_channels", 4}, {"label_dim", 10},
                   {"model_channels", 16}, {"channel_mult", {1, 2}}, {"num_blocks", 1},
                   {"attn_resolutions", nlohmann::json::array()}}},
        {"roles", {{"data_loader", 1}, {"trainer", 1}, {"ema", 1}}},
        {"trainer", {{"batch", 16}, {"batch_per_rank", 16}, {"checkpoint_every_steps", 2}, {"status_every_s", 0},
                     {"loss", {{"label_dropout", 0.1}}}}},
        {"ema", {{"stds", {0.1}}, {"snapshot_every_kimg", 0.032}, {"preview_track", 0},
                 {"preview", {{"per_class", 1}, {"num_steps", 2}}}}},
        {"run", {{"duration_kimg", 0.032}, {"threads", {{"trainer", 1}}}}},
    };
    std::ofstream(path("latent.json")) << latent_run.dump(2);
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::string path(const std::string& name) { return *dir_ / name; }

  static dact::testing::DactResult train(const std::string& run) {
    return dact::testing::run_dact_command("train --config " + path("latent.json") + " --run-dir " + path(run), true);
  }

  static std::unique_ptr<dact::testing::TempDir> dir_;
};

std::unique_ptr<dact::testing::TempDir> EncodeFromTrain::dir_;

TEST_F(EncodeFromTrain, OneCommandTrainsTheAutoencoderEncodesAndTrainsOnLatents) {
  const auto result = train("latent-run");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  // The autoencoder run trained 32 images at batch 8: 4 steps.
  const std::string autoencoder_run = path("latents/autoencoder-run");
  ASSERT_TRUE(fs::exists(autoencoder_run + "/checkpoints/checkpoint-00000004.h5")) << result.output;
  EXPECT_FALSE(fs::exists(autoencoder_run + "/checkpoints/checkpoint-00000006.h5"));

  // The weights file holds the track eval.ema_std (0.1, index 1) of the final EMA state.
  const dact::models::latent::LoadedAutoencoder weights =
      dact::models::latent::load_autoencoder_weights(path("latents/autoencoder.h5"), nullptr);
  EXPECT_EQ(weights.config, dact::testing::tiny_autoencoder_config(32));
  const dact::workers::ema::EmaSnapshot state =
      dact::workers::ema::read_ema_snapshot(autoencoder_run + "/checkpoints/ema-00000004.h5");
  const auto exported = dact::models::state_dict(*weights.model);
  const auto track = dact::workers::ema::snapshot_state_dict(state, 1);
  ASSERT_EQ(exported.size(), track.size());
  for (const auto& [name, tensor] : track) {
    ASSERT_TRUE(exported.count(name)) << name;
    EXPECT_TRUE(torch::equal(tensor, exported.at(name))) << name;
  }

  // The latents: the first pixel shard (64 images), mean and logvar of 4 channels at 8x8,
  // made with those weights from those pixels.
  const dact::storage::ShardManifest manifest = dact::storage::read_manifest(path("latents/train"));
  EXPECT_EQ(manifest.total_count, 64);
  EXPECT_EQ(manifest.sample_shape, (std::vector<int64_t>{8, 8, 8}));
  EXPECT_EQ(manifest.dtype, "float16");
  const dact::storage::LatentShardInfo info =
      dact::storage::latent_info(manifest, path("latents/train/manifest.json"));
  EXPECT_EQ(info.autoencoder.fingerprint, weights.fingerprint);
  EXPECT_EQ(info.source.dataset, path("pixels"));

  // The latent run: 32 images at batch 16, its snapshot decodes with those weights.
  EXPECT_TRUE(fs::exists(path("latent-run/checkpoints/checkpoint-00000002.h5"))) << result.output;
  EXPECT_TRUE(fs::exists(path("latent-run/samples/000000.032.png")));
  const dact::storage::TensorFile snapshot =
      dact::storage::read_tensor_file(path("latent-run/snapshots/snapshot-000000.032.h5"));
  EXPECT_EQ(snapshot.metadata.at("image_decoder").at("fingerprint"), weights.fingerprint);
}

TEST_F(EncodeFromTrain, RunAgainRedoesNothing) {
  if (!fs::exists(path("latent-run/checkpoints/checkpoint-00000002.h5"))) {
    ASSERT_EQ(train("latent-run").exit_code, 0);
  }
  const auto weights_time = fs::last_write_time(path("latents/autoencoder.h5"));
  const auto manifest_time = fs::last_write_time(path("latents/train/manifest.json"));
  const auto autoencoder_log_bytes = fs::file_size(path("latents/autoencoder-run/log.txt"));
  const auto latent_log_bytes = fs::file_size(path("latent-run/log.txt"));
  const auto result = train("latent-run");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(fs::last_write_time(path("latents/autoencoder.h5")), weights_time);
  EXPECT_EQ(fs::last_write_time(path("latents/train/manifest.json")), manifest_time);
  EXPECT_EQ(fs::file_size(path("latents/autoencoder-run/log.txt")), autoencoder_log_bytes) << "a world was started";
  EXPECT_EQ(fs::file_size(path("latent-run/log.txt")), latent_log_bytes) << "a world was started";
}

TEST_F(EncodeFromTrain, MissingOutputsAreMadeAgainFromTheFinishedAutoencoderRun) {
  if (!fs::exists(path("latents/autoencoder.h5"))) {
    ASSERT_EQ(train("latent-run").exit_code, 0);
  }
  const std::string fingerprint = dact::models::latent::autoencoder_fingerprint(path("latents/autoencoder.h5"));
  const auto autoencoder_log_bytes = fs::file_size(path("latents/autoencoder-run/log.txt"));
  fs::remove(path("latents/autoencoder.h5"));
  fs::remove_all(path("latents/train"));
  const auto result = train("latent-run-2");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(fs::file_size(path("latents/autoencoder-run/log.txt")), autoencoder_log_bytes)
      << "the finished autoencoder run was trained again";
  EXPECT_EQ(dact::models::latent::autoencoder_fingerprint(path("latents/autoencoder.h5")), fingerprint);
  EXPECT_EQ(dact::storage::latent_info(dact::storage::read_manifest(path("latents/train")),
                                       path("latents/train/manifest.json"))
                .autoencoder.fingerprint,
            fingerprint);
  EXPECT_TRUE(fs::exists(path("latent-run-2/checkpoints/checkpoint-00000002.h5"))) << result.output;
}

}  // namespace
