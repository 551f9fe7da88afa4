// `dataset.encode_from`: the bundled latent preset parses into a latent run whose
// dataset is made from Fashion-MNIST by an autoencoder preset; each mistake in the
// section is an error naming its key, at parse time or, for what needs the files,
// from `dact train` before any rank (of either run) starts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/config_error.h"
#include "launch/config/config_document.h"
#include "launch/config/run_config.h"
#include "tests/support/latent_run_config.h"
#include "tests/support/latent_test_files.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

TEST(EncodeFromConfig, BundledLatentPresetTrainsItsAutoencoderWithTheAutoencoderPreset) {
  const RunConfig config = parse_run_config(load_preset("fashion-mnist-latent"));
  ASSERT_TRUE(config.dataset.encode_from.has_value());
  ASSERT_TRUE(config.dataset.latent.has_value());
  const EncodeFromConfig& from = *config.dataset.encode_from;
  ASSERT_TRUE(from.autoencoder_run.has_value());
  EXPECT_EQ(from.autoencoder_run->preset, "fashion-mnist-autoencoder");
  // The autoencoder it trains reads the images the latents are made of and gives the
  // latent shape the U-Net reads.
  nlohmann::json autoencoder = load_preset(from.autoencoder_run->preset);
  for (const std::string& assignment : from.autoencoder_run->overrides) apply_override(autoencoder, assignment);
  const RunConfig autoencoder_config = parse_run_config(autoencoder);
  EXPECT_EQ(autoencoder_config.dataset.dir, from.source);
  const nlohmann::json& model = autoencoder_config.document.at("model");
  const int64_t downsampling = int64_t{1} << (model.at("ch_mult").size() - 1);
  EXPECT_EQ(config.model->image_shape().channels, model.at("embed_dim").get<int64_t>());
  EXPECT_EQ(config.model->image_shape().resolution, model.at("resolution").get<int64_t>() / downsampling);
}

// The preset with `edit` applied must fail to parse with an error containing `expected`.
void expect_config_error(const std::function<void(nlohmann::json&)>& edit, const std::string& expected) {
  nlohmann::json document = load_preset("fashion-mnist-latent");
  edit(document);
  try {
    parse_run_config(document);
    ADD_FAILURE() << "expected an error containing: " << expected;
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
}

TEST(EncodeFromConfig, EachMistakeNamesItsKey) {
  expect_config_error([](nlohmann::json& d) { d["dataset"].erase("latent"); },
                      "config key 'dataset.encode_from' makes latent shards, so the run needs a 'dataset.latent'");
  expect_config_error([](nlohmann::json& d) { d["dataset"]["convert_from"] = "/usr/share/datasets/fashion-mnist"; },
                      "config keys 'dataset.convert_from' and 'dataset.encode_from' both say how to make");
  expect_config_error([](nlohmann::json& d) { d["dataset"]["encode_from"].erase("source"); },
                      "missing required key 'dataset.encode_from.source'");
  expect_config_error([](nlohmann::json& d) { d["dataset"]["encode_from"]["autoencoder"] = ""; },
                      "config key 'dataset.encode_from.autoencoder' is empty");
  expect_config_error([](nlohmann::json& d) { d["dataset"]["encode_from"]["dtype"] = "bfloat16"; },
                      "config key 'dataset.encode_from.dtype' must be 'float16' or 'float32'");
  expect_config_error([](nlohmann::json& d) { d["dataset"]["encode_from"]["max_shards"] = -1; },
                      "config key 'dataset.encode_from.max_shards' must be >= 0");
  expect_config_error([](nlohmann::json& d) { d["dataset"]["encode_from"]["autoencoder_run"]["config"] = "ae.json"; },
                      "'dataset.encode_from.autoencoder_run' must name exactly one of 'preset' and 'config'");
  expect_config_error([](nlohmann::json& d) { d["dataset"]["encode_from"]["autoencoder_run"].erase("run_dir"); },
                      "missing required key 'dataset.encode_from.autoencoder_run.run_dir'");
  expect_config_error([](nlohmann::json& d) { d["dataset"]["encode_from"]["autoencoder_run"]["set"] = 3; },
                      "dataset.encode_from.autoencoder_run.set");
  expect_config_error([](nlohmann::json& d) { d["dataset"]["encode_from"]["flipped"] = true; },
                      "dataset.encode_from.flipped");
}

TEST(EncodeFromConfig, SetBecomesOverridesThatReadBackAsTheirValues) {
  nlohmann::json document = load_preset("fashion-mnist-latent");
  document["dataset"]["encode_from"]["autoencoder_run"]["set"] = {{"run.duration_kimg", 0.5},
                                                                   {"eval.enabled", false},
                                                                   {"dataset.dir", "pixels/train"}};
  const RunConfig config = parse_run_config(document);
  nlohmann::json target = nlohmann::json::object();
  for (const std::string& assignment : config.dataset.encode_from->autoencoder_run->overrides) {
    apply_override(target, assignment);
  }
  EXPECT_EQ(target, nlohmann::json({{"run", {{"duration_kimg", 0.5}}},
                                    {"eval", {{"enabled", false}}},
                                    {"dataset", {{"dir", "pixels/train"}}}}));
}

// What only the files can tell stops `dact train` before any world starts.
class EncodeFromStages : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<dact::testing::TempDir>("dact-encode-from-stages");
    dact::testing::write_random_pixel_dataset(path("pixels"), 40, 40, 16, 3);
    dact::testing::write_tiny_autoencoder(path("ae.h5"), 5, 16);
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::string path(const std::string& name) { return *dir_ / name; }

  // A latent run of 4 x 4 x 4 latents encoded from `pixels` with `ae.h5`.
  static nlohmann::json config() {
    return dact::testing::tiny_latent_run(
        {{"dir", path("latents")},
         {"encode_from", {{"source", path("pixels")}, {"autoencoder", path("ae.h5")}}},
         {"latent", nlohmann::json::object()}});
  }

  static std::string train_fails(const std::string& name, const nlohmann::json& config) {
    return dact::testing::train_fails_before_start(config, path(name + ".json"), path("run-" + name));
  }

  static std::unique_ptr<dact::testing::TempDir> dir_;
};

std::unique_ptr<dact::testing::TempDir> EncodeFromStages::dir_;

TEST_F(EncodeFromStages, MissingWeightsWithoutAnAutoencoderRunNamesTheKey) {
  nlohmann::json document = config();
  document["dataset"]["encode_from"]["autoencoder"] = path("absent.h5");
  const std::string out = train_fails("no-weights", document);
  EXPECT_NE(out.find("config key 'dataset.encode_from.autoencoder': no file '" + path("absent.h5") +
                     "', and no 'dataset.encode_from.autoencoder_run'"),
            std::string::npos)
      << out;
}

TEST_F(EncodeFromStages, DamagedWeightsWithoutAnAutoencoderRunNameTheKeyAndFile) {
  std::ofstream(path("damaged.h5")) << "not HDF5";
  nlohmann::json document = config();
  document["dataset"]["encode_from"]["autoencoder"] = path("damaged.h5");
  const std::string out = train_fails("damaged-weights", document);
  EXPECT_NE(out.find("config key 'dataset.encode_from.autoencoder': " + path("damaged.h5")), std::string::npos)
      << out;
}

TEST_F(EncodeFromStages, AutoencoderRunOfAnotherFamilyIsRefusedBeforeItTrains) {
  nlohmann::json document = config();
  document["dataset"]["encode_from"]["autoencoder"] = path("absent.h5");
  document["dataset"]["encode_from"]["autoencoder_run"] = {{"preset", "fashion-mnist"},
                                                           {"run_dir", path("ae-run")}};
  const std::string out = train_fails("edm2-as-autoencoder", document);
  EXPECT_NE(out.find("config key 'dataset.encode_from.autoencoder_run' trains model.arch 'edm2-precond'"),
            std::string::npos)
      << out;
  EXPECT_FALSE(fs::exists(path("ae-run")));
}

TEST_F(EncodeFromStages, SourceWithoutADatasetNamesTheKey) {
  nlohmann::json document = config();
  document["dataset"]["encode_from"]["source"] = path("no-pixels");
  const std::string out = train_fails("no-source", document);
  EXPECT_NE(out.find("config key 'dataset.encode_from.source': '" + path("no-pixels") + "' holds no dataset"),
            std::string::npos)
      << out;
  EXPECT_FALSE(fs::exists(path("latents/manifest.json")));
}

}  // namespace
}  // namespace dact::launch
