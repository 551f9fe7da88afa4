// The guard rails of latent runs: each mistake stops `dact train` before any rank
// starts (no log.txt, no mpirun) with an error naming the file and key at fault.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "launch/latent/dataset_encode.h"
#include "tests/support/latent_run_config.h"
#include "tests/support/latent_test_files.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;

class LatentGuardRails : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<dact::testing::TempDir>("dact-latent-guard");
    dact::testing::write_random_pixel_dataset(path("pixels"), 40, 40, 16, 3);
    dact::testing::write_tiny_autoencoder(path("ae.h5"), 5, 16);
    dact::testing::write_tiny_autoencoder(path("other-ae.h5"), 6, 16);
    dact::launch::EncodeOptions options;
    options.autoencoder = path("ae.h5");
    dact::launch::encode_dataset(path("pixels"), path("latents"), options, nullptr);
    // The same latents with a manifest that lost its statistics.
    fs::copy(path("latents"), path("latents-without-statistics"));
    nlohmann::json manifest = nlohmann::json::parse(std::ifstream(path("latents/manifest.json")));
    manifest["latent"].erase("statistics");
    std::ofstream(path("latents-without-statistics/manifest.json")) << manifest.dump(2);
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::string path(const std::string& name) { return *dir_ / name; }

  // A latent run on `dataset`: 4 x 4 latents of 4 channels (16 x 16 images).
  static nlohmann::json config(const std::string& dataset) {
    return dact::testing::tiny_latent_run({{"dir", path(dataset)}, {"latent", nlohmann::json::object()}});
  }

  static std::string train_fails(const std::string& name, const nlohmann::json& config) {
    return dact::testing::train_fails_before_start(config, path(name + ".json"), path("run-" + name));
  }

  static std::unique_ptr<dact::testing::TempDir> dir_;
};

std::unique_ptr<dact::testing::TempDir> LatentGuardRails::dir_;

TEST_F(LatentGuardRails, PixelShardsForALatentRun) {
  const std::string out = train_fails("pixels-for-latent", config("pixels"));
  EXPECT_NE(out.find("config key 'dataset.latent'"), std::string::npos) << out;
  EXPECT_NE(out.find(path("pixels") + "/manifest.json"), std::string::npos) << out;
  EXPECT_NE(out.find("key 'sample_key' is 'images'"), std::string::npos) << out;
}

TEST_F(LatentGuardRails, LatentShardsForAPixelRun) {
  nlohmann::json pixel_run = config("latents");
  pixel_run["dataset"].erase("latent");
  const std::string out = train_fails("latents-for-pixels", pixel_run);
  EXPECT_NE(out.find(path("latents") + "/manifest.json: key 'sample_key' is 'latents'"), std::string::npos) << out;
  EXPECT_NE(out.find("no 'dataset.latent' section"), std::string::npos) << out;
}

TEST_F(LatentGuardRails, ModelShapeDiffersFromTheShards) {
  nlohmann::json pixel_sized = config("latents");
  pixel_sized["model"]["img_resolution"] = 16;
  pixel_sized["model"]["img_channels"] = 1;
  const std::string out = train_fails("shape", pixel_sized);
  EXPECT_NE(out.find("config key 'model' (arch 'edm2-precond') reads [1, 16, 16]"), std::string::npos) << out;
  EXPECT_NE(out.find("holds latents [4, 4, 4] (key 'sample_shape'"), std::string::npos) << out;
}

TEST_F(LatentGuardRails, AutoencoderOfAnotherFingerprint) {
  nlohmann::json other = config("latents");
  other["dataset"]["latent"]["autoencoder"] = path("other-ae.h5");
  const std::string out = train_fails("fingerprint", other);
  EXPECT_NE(out.find("config key 'dataset.latent.autoencoder': " + path("other-ae.h5")), std::string::npos) << out;
  EXPECT_NE(out.find("key 'latent.autoencoder.fingerprint'"), std::string::npos) << out;
}

TEST_F(LatentGuardRails, LatentManifestWithoutStatistics) {
  const std::string out = train_fails("statistics", config("latents-without-statistics"));
  EXPECT_NE(out.find(path("latents-without-statistics") + "/manifest.json: missing key 'latent.statistics'"),
            std::string::npos)
      << out;
}

}  // namespace
