// `dact dataset encode` and the latents the data loader draws from its shards: the
// drawn latents have the per-channel mean and std the manifest states (computed there
// in closed form from the stored posteriors, here by Monte Carlo), the scaling maps
// them to final_mean/final_std, and an encode interrupted by a failing shard write
// resumes to the very latents of an uninterrupted one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "launch/latent/dataset_encode.h"
#include "launch/latent/latent_run_setup.h"
#include "storage/latent_manifest.h"
#include "storage/shard_dataset.h"
#include "tests/support/latent_test_files.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"
#include "workers/data_loader/latent_draw.h"

namespace {

namespace fs = std::filesystem;
using dact::workers::data_loader::LatentDraw;
using dact::workers::data_loader::LatentDrawSettings;

class LatentEncode : public ::testing::Test {
 protected:
  void SetUp() override {
    dact::testing::write_random_pixel_dataset(dir_ / "pixels", 60, 20, 16, 11);
    dact::testing::write_tiny_autoencoder(dir_ / "ae.h5", 5, 16);
  }
  std::string encode_command(const std::string& dest, const std::string& extra = "") const {
    return "dataset encode --autoencoder " + (dir_ / "ae.h5") + " --source " + (dir_ / "pixels") + " --dest " +
           dest + " --batch 7 " + extra;
  }
  dact::testing::TempDir dir_{"dact-latent-encode"};
};

// Per-channel mean and std over every value of [N, C, h, w].
std::pair<torch::Tensor, torch::Tensor> channel_moments(const torch::Tensor& values) {
  const torch::Tensor flat = values.to(torch::kFloat64).transpose(0, 1).reshape({values.size(1), -1});
  return {flat.mean(1), flat.std(1, /*unbiased=*/false)};
}

TEST_F(LatentEncode, DrawnLatentsHaveTheManifestStatistics) {
  dact::launch::EncodeOptions options;
  options.autoencoder = dir_ / "ae.h5";
  options.flip = true;
  options.batch = 16;
  const dact::storage::ShardManifest manifest =
      dact::launch::encode_dataset(dir_ / "pixels", dir_ / "latents", options, nullptr);
  EXPECT_EQ(manifest.sample_shape, (std::vector<int64_t>{16, 4, 4}));  // 4 moments x 4 channels
  EXPECT_FALSE(fs::exists(dir_ / "latents/encode-progress.json"));
  const dact::storage::LatentShardInfo info = dact::launch::read_latent_info(dir_ / "latents");
  ASSERT_TRUE(info.statistics.has_value());
  EXPECT_TRUE(info.has_flipped());
  EXPECT_EQ(info.source.resolution, 16);

  const dact::storage::ShardDataset dataset(dir_ / "latents");
  std::vector<int64_t> all(60);
  for (int64_t i = 0; i < 60; ++i) all[static_cast<size_t>(i)] = i;
  const torch::Tensor moments = dataset.read(all).samples;

  // Raw latents (identity scaling) from 200 steps over every sample.
  LatentDrawSettings settings;
  settings.channels = 4;
  settings.has_flipped = true;
  settings.scaling = {{0, 0, 0, 0}, {1, 1, 1, 1}, {0, 0, 0, 0}, {1, 1, 1, 1}};
  const LatentDraw raw_draw(7, settings);
  std::vector<torch::Tensor> raw;
  for (int64_t step = 0; step < 200; ++step) raw.push_back(raw_draw.draw(moments, step, 0));
  const auto [raw_mean, raw_std] = channel_moments(torch::cat(raw));
  for (int64_t c = 0; c < 4; ++c) {
    const double expected_std = info.statistics->std[c];
    // Monte Carlo error: the coin picks 60 x 200 mirrored-or-not moments; 2% of a std is
    // > 5 standard errors of these estimates.
    EXPECT_NEAR(raw_mean[c].item<double>(), info.statistics->mean[c], 0.02 * expected_std) << "channel " << c;
    EXPECT_NEAR(raw_std[c].item<double>(), expected_std, 0.02 * expected_std) << "channel " << c;
  }

  // The run's default scaling (manifest statistics -> final_mean 0, final_std 0.5).
  settings.scaling = dact::launch::latent_scaling(dact::launch::LatentDatasetConfig{}, info);
  const LatentDraw scaled_draw(7, settings);
  std::vector<torch::Tensor> scaled;
  for (int64_t step = 0; step < 200; ++step) scaled.push_back(scaled_draw.draw(moments, step, 0));
  const auto [final_mean, final_std] = channel_moments(torch::cat(scaled));
  for (int64_t c = 0; c < 4; ++c) {
    EXPECT_NEAR(final_mean[c].item<double>(), 0.0, 0.01) << "channel " << c;
    EXPECT_NEAR(final_std[c].item<double>(), 0.5, 0.01) << "channel " << c;
  }
  // A draw is a function of (seed, step, position) alone.
  EXPECT_TRUE(torch::equal(scaled_draw.draw(moments.slice(0, 10, 12), 3, 10), scaled[3].slice(0, 10, 12)));
  EXPECT_FALSE(torch::equal(scaled_draw.draw(moments.slice(0, 10, 12), 4, 10), scaled[3].slice(0, 10, 12)));
}

TEST_F(LatentEncode, InterruptedEncodeResumesToTheSameLatents) {
  const auto whole = dact::testing::run_dact_command(encode_command(dir_ / "whole", "--dtype float16"), true);
  ASSERT_EQ(whole.exit_code, 0) << whole.output;

  // The second shard's commit fails as a full disk would.
  const auto failed = dact::testing::run_shell_command(
      "DACT_FAULT_INJECT=fail_write:shard-:2 '" + dact::testing::dact_binary() + "' " +
          encode_command(dir_ / "resumed", "--dtype float16"),
      true);
  ASSERT_NE(failed.exit_code, 0) << failed.output;
  EXPECT_TRUE(fs::exists(dir_ / "resumed/shard-00000.h5"));
  EXPECT_FALSE(fs::exists(dir_ / "resumed/shard-00001.h5"));
  EXPECT_FALSE(fs::exists(dir_ / "resumed/manifest.json"));
  EXPECT_TRUE(fs::exists(dir_ / "resumed/encode-progress.json"));

  // Other settings do not mix into the unfinished encode.
  const auto other = dact::testing::run_dact_command(encode_command(dir_ / "resumed", "--dtype float32"), true);
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.output.find("another 'dtype'"), std::string::npos) << other.output;

  const auto resumed = dact::testing::run_dact_command(encode_command(dir_ / "resumed", "--dtype float16"), true);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("after 1 complete shard(s)"), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find("images/s"), std::string::npos) << resumed.output;
  const dact::storage::ShardManifest a = dact::storage::read_manifest(dir_ / "whole");
  const dact::storage::ShardManifest b = dact::storage::read_manifest(dir_ / "resumed");
  ASSERT_EQ(a.shards.size(), 3u);
  ASSERT_EQ(b.shards.size(), 3u);
  // The same samples (HDF5 files of equal content need not be equal bytes).
  std::vector<int64_t> all(60);
  for (int64_t i = 0; i < 60; ++i) all[static_cast<size_t>(i)] = i;
  const dact::storage::SampleBatch whole_samples = dact::storage::ShardDataset(dir_ / "whole").read(all);
  const dact::storage::SampleBatch resumed_samples = dact::storage::ShardDataset(dir_ / "resumed").read(all);
  EXPECT_TRUE(torch::equal(whole_samples.samples, resumed_samples.samples));
  EXPECT_TRUE(torch::equal(whole_samples.labels, resumed_samples.labels));
  EXPECT_EQ(a.latent.at("statistics"), b.latent.at("statistics"));
  EXPECT_EQ(b.dtype, "float16");

  const auto info = dact::testing::run_dact_command("dataset info " + (dir_ / "resumed"), true);
  EXPECT_NE(info.output.find("latents:    4 channels, moments mean, logvar"), std::string::npos) << info.output;
  const auto verify = dact::testing::run_dact_command("dataset verify " + (dir_ / "resumed"), true);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  // A finished destination is not encoded over.
  const auto again = dact::testing::run_dact_command(encode_command(dir_ / "resumed", "--dtype float16"), true);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("already holds a dataset"), std::string::npos) << again.output;
}

}  // namespace
