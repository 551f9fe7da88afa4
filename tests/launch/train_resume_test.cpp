// `dact train` end to end under mpirun (coordinator, data loader, 2 trainers, EMA actor),
// for every model family: the run leaves its artifacts, and a run stopped at step k and
// resumed ends with the same bytes of weights, Adam state and EMA tracks as one that
// never stopped, with EDM2's recipe and (for the DiT flow and energy families) with
// DiT/MAR's (cosine lr, AdamW, clipping, classic EMA; the energy family's step size
// alpha with its own lr). The latent case trains the EDM2 U-Net on
// latent shards (`dact dataset encode --flip` with a tiny random autoencoder): the
// loaders' latent draws resume exactly too, and its snapshots decode to pixels. The KL
// autoencoder trains the same way; its preview grid reconstructs dataset images instead
// of sampling. EDM's networks (the edm case: DDPM++ with dropout under VP) train with
// EDM's recipe: lr ramp-up without decay and the half-life EMA beside the power tracks.
// of sampling. MAR trains on pixels patchified into tokens; its snapshots sample with
// MAR's generation controls.
#include <H5Cpp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "launch/latent/dataset_encode.h"
#include "storage/h5_tensor_io.h"
#include "storage/tensor_file.h"
#include "tests/support/latent_test_files.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/same_tensor_files.h"
#include "tests/support/test_paths.h"

namespace {

namespace fs = std::filesystem;

// One family's small network: its model section and trainer.loss section.
struct FamilyCase {
  std::string name;
  nlohmann::json model;
  nlohmann::json loss;
};

// A DiT small enough for a test: 16 tokens of width 32.
nlohmann::json tiny_dit(const std::string& arch) {
  return {{"arch", arch}, {"input_size", 32}, {"patch_size", 8}, {"in_channels", 1}, {"hidden_size", 32},
          {"depth", 1}, {"num_heads", 2}, {"num_classes", 10}, {"class_dropout_prob", 0.1}};
}

FamilyCase family_case(const std::string& name) {
  if (name == "latent") {  // EDM2 on 8 x 8 latents of 4 channels (32 x 32 images / 4)
    return {name,
            {{"arch", "edm2-precond"}, {"img_resolution", 8}, {"img_channels", 4}, {"label_dim", 10},
             {"model_channels", 16}, {"channel_mult", {1, 2}}, {"num_blocks", 1},
             {"attn_resolutions", nlohmann::json::array()}},
            {{"label_dropout", 0.1}}};
  }
  if (name == "edm2") {
    return {name,
            {{"arch", "edm2-precond"}, {"img_resolution", 32}, {"img_channels", 1}, {"label_dim", 10},
             {"model_channels", 16}, {"channel_mult", {1, 2}}, {"num_blocks", 1},
             {"attn_resolutions", nlohmann::json::array()}},
            {{"label_dropout", 0.1}}};
  }
  if (name == "edm") {  // dropout draws from the default generator: resume must reseed it
    return {name,
            {{"arch", "edm-precond"}, {"network", "ddpmpp"}, {"precond", "vp"}, {"img_resolution", 32},
             {"img_channels", 1}, {"label_dim", 10}, {"model_channels", 16}, {"channel_mult", {1, 2}},
             {"num_blocks", 1}, {"attn_resolutions", nlohmann::json::array()}, {"dropout", 0.1}},
            nlohmann::json::object()};
  }
  if (name == "dit_flow") return {name, tiny_dit("dit-flow"), {{"time_distribution", "logit-normal"}}};
  if (name == "dit_energy") {  // double backward, MCMC in the loss, a learnable step size
    nlohmann::json energy = tiny_dit("dit-energy");
    energy["diffusion_steps"] = 100;
    energy["learnable_mcmc_step_size"] = true;
    return {name, energy, {{"contrastive_weight", 0.05}, {"alpha_lr_multiplier", 3.0}}};
  }
  if (name == "kl_autoencoder") {
    // 32x32x1 -> 16x16x4; z is drawn from the posterior with each micro-batch's generator.
    return {name,
            {{"arch", "kl-autoencoder"}, {"ch", 32}, {"ch_mult", {1, 2}}, {"num_res_blocks", 1},
             {"attn_resolutions", nlohmann::json::array()}, {"resolution", 32}, {"in_channels", 1},
             {"z_channels", 4}, {"embed_dim", 4}},
            {{"reconstruction", "l1"}, {"kl_weight", 1e-6}}};
  }
  if (name == "mar") {  // pixels as 16 tokens of 8 x 8
    return {name,
            {{"arch", "mar"}, {"img_size", 32}, {"vae_stride", 1}, {"patch_size", 8}, {"vae_embed_dim", 1},
             {"encoder_embed_dim", 32}, {"encoder_depth", 1}, {"encoder_num_heads", 2}, {"decoder_embed_dim", 32},
             {"decoder_depth", 1}, {"decoder_num_heads", 2}, {"class_num", 10}, {"buffer_size", 4},
             {"diffloss_d", 1}, {"diffloss_w", 32}},
            nlohmann::json::object()};
  }
  nlohmann::json ddpm = tiny_dit("dit-ddpm");
  ddpm["diffusion_steps"] = 100;
  ddpm["noise_schedule"] = "cosine";
  return {name, ddpm, nlohmann::json::object()};
}

class TrainResumeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!root_.empty()) return;  // once per suite (one family per suite)
    const FamilyCase family = family_case(GetParam());
    root_ = fs::temp_directory_path() / ("dact_train_resume_" + family.name + "_" + std::to_string(::getpid()));
    fs::create_directories(root_);
    const std::string convert = dact::testing::dact_binary() +
                                " dataset convert --source " + dact::testing::fashion_mnist_dir() + " --dest " +
                                (root_ / "data").string() + " --split test --resolution 32 > " +
                                (root_ / "convert.log").string() + " 2>&1";
    ASSERT_EQ(std::system(convert.c_str()), 0) << convert;
    nlohmann::json dataset = {{"dir", (root_ / "data" / "test").string()}};
    if (family.name == "latent") {
      // 512 images are enough for 192 training samples and keep the encode short.
      dact::testing::write_dataset_prefix((root_ / "data" / "test").string(), (root_ / "pixels").string(), 512, 256);
      dact::testing::write_tiny_autoencoder((root_ / "ae.h5").string(), 5, 32);
      dact::launch::EncodeOptions options;
      options.autoencoder = (root_ / "ae.h5").string();
      options.flip = true;
      options.dtype = torch::kFloat16;
      dact::launch::encode_dataset((root_ / "pixels").string(), (root_ / "latents").string(), options, nullptr);
      dataset = {{"dir", (root_ / "latents").string()}, {"latent", nlohmann::json::object()}};
    }
    const nlohmann::json config = {
        {"seed", 3},
        {"dataset", dataset},
        {"model", family.model},
        {"roles", {{"data_loader", 1}, {"trainer", 2}, {"ema", 1}}},
        {"trainer", {{"batch", 16}, {"batch_per_rank", 4}, {"ref_lr", 0.01}, {"rampup_Mimg", 0.0001},
                     {"checkpoint_every_steps", 4}, {"ema_every_steps", 2}, {"status_every_s", 0},
                     {"loss", family.loss}}},
        {"ema", {{"stds", {0.05, 0.1}}, {"snapshot_every_kimg", 0.064},
                 {"preview", {{"per_class", 1}, {"num_steps", 2}}}}},
        {"run", {{"duration_kimg", 0.192}, {"threads", {{"trainer", 1}}}, {"liveness_timeout_s", 60}}},
    };
    nlohmann::json run_config = config;
    if (family.name == "edm") {  // EDM's recipe: constant lr after the ramp-up, EMA half-life in images
      run_config["trainer"]["ref_batches"] = 0;
      run_config["ema"]["classic"] = {{{"name", "ema"}, {"halflife_kimg", 0.05}, {"rampup_ratio", 0.05}}};
    }
    std::ofstream(root_ / "config.json") << run_config.dump(2);
    // The DiT/MAR recipe: cosine lr with warm-up, AdamW, clipping, a classic EMA track.
    nlohmann::json recipe = config;
    recipe["trainer"] = {{"batch", 16}, {"batch_per_rank", 4}, {"lr_schedule", "cosine"}, {"base_lr", 0.05},
                         {"warmup_kimg", 0.064}, {"decay_end_kimg", 0.192}, {"min_lr", 1e-4},
                         {"clip_grad_norm", 0.5}, {"adam", {{"beta2", 0.95}, {"weight_decay", 0.02}}},
                         {"checkpoint_every_steps", 4}, {"ema_every_steps", 2}, {"status_every_s", 0},
                         {"loss", family.loss}};
    recipe["ema"]["classic"] = {{{"name", "ema"}, {"decay", 0.99}, {"warmup", true}}};
    std::ofstream(root_ / "recipe.json") << recipe.dump(2);
  }
  static void TearDownTestSuite() {
    fs::remove_all(root_);
    root_.clear();
  }

  static int train(const std::string& run, const std::string& extra, const std::string& config = "config.json") {
    const std::string command = dact::testing::dact_binary() + " train --config " + (root_ / config).string() +
                                " --run-dir " + (root_ / run).string() + " " + extra + " >> " +
                                (root_ / (run + ".out")).string() + " 2>&1";
    return std::system(command.c_str());
  }
  static std::string run_dir(const std::string& run) { return (root_ / run).string(); }

  static fs::path root_;
};

fs::path TrainResumeTest::root_;

using dact::testing::expect_same_tensor_files;

TEST_P(TrainResumeTest, RunLeavesStatsSnapshotsCheckpointAndPreview) {
  ASSERT_EQ(train("full", ""), 0) << "see " << run_dir("full") << ".out";
  const std::string run = run_dir("full");
  EXPECT_TRUE(fs::exists(run + "/config.json"));
  EXPECT_TRUE(fs::exists(run + "/checkpoints/checkpoint-00000012.h5"));
  EXPECT_TRUE(fs::exists(run + "/checkpoints/ema-00000012.h5"));
  // A snapshot and a preview every 64 images, each under its own image count.
  for (const char* time : {"000000.064", "000000.128", "000000.192"}) {
    EXPECT_TRUE(fs::exists(run + "/snapshots/snapshot-" + time + ".h5")) << time;
    EXPECT_TRUE(fs::exists(run + "/samples/" + time + ".png")) << time;
  }
  std::ifstream stats(run + "/stats.jsonl");
  int lines = 0;
  for (std::string line; std::getline(stats, line); ++lines) {
    const nlohmann::json entry = nlohmann::json::parse(line);
    EXPECT_TRUE(std::isfinite(entry.at("loss").get<double>()));
    if (GetParam() == "kl_autoencoder") {  // per sample: sum of |x - D(z)| over 32x32 pixels, and the KL
      EXPECT_GT(entry.at("loss_terms").at("reconstruction").get<double>(), 0) << line;
      EXPECT_GE(entry.at("loss_terms").at("kl").get<double>(), 0) << line;
    }
    if (GetParam() == "dit_energy") {
      for (const char* term : {"mse", "contrastive", "refinement", "energy", "energy_negative", "accept_rate",
                               "descent_rate", "alpha"}) {
        EXPECT_TRUE(std::isfinite(entry.at("loss_terms").at(term).get<double>())) << term << ": " << line;
      }
    }
    EXPECT_DOUBLE_EQ(entry.at("kimg").get<double>(), entry.at("step").get<double>() * 16 / 1000);  // batch 16
    // The stall shares are disjoint parts of the interval.
    double stalled_pct = 0;
    for (const char* key : {"data_wait_pct", "all_reduce_pct", "ema_handoff_pct", "checkpoint_pct"}) {
      const double pct = entry.at(key).get<double>();
      EXPECT_TRUE(pct >= 0 && pct <= 100) << key << " " << pct;
      stalled_pct += pct;
    }
    EXPECT_LE(stalled_pct, 100 + 1e-9) << line;
  }
  EXPECT_GE(lines, 1);
}

TEST_P(TrainResumeTest, StoppedAndResumedRunIsBitIdentical) {
  if (!fs::exists(run_dir("full") + "/checkpoints/checkpoint-00000012.h5")) {
    ASSERT_EQ(train("full", ""), 0);
  }
  ASSERT_EQ(train("resumed", "--set run.stop_at_step=8"), 0);
  EXPECT_TRUE(fs::exists(run_dir("resumed") + "/checkpoints/checkpoint-00000008.h5"));
  EXPECT_FALSE(fs::exists(run_dir("resumed") + "/checkpoints/checkpoint-00000012.h5"));
  ASSERT_EQ(train("resumed", "--set run.stop_at_step=0"), 0);
  expect_same_tensor_files(run_dir("full") + "/checkpoints/checkpoint-00000012.h5",
                      run_dir("resumed") + "/checkpoints/checkpoint-00000012.h5");
  expect_same_tensor_files(run_dir("full") + "/checkpoints/ema-00000012.h5",
                      run_dir("resumed") + "/checkpoints/ema-00000012.h5");
  // The same snapshots, each once under its own name, with the same tracks.
  for (const char* time : {"000000.064", "000000.128", "000000.192"}) {
    const std::string name = "/snapshots/snapshot-" + std::string(time) + ".h5";
    expect_same_tensor_files(run_dir("full") + name, run_dir("resumed") + name);
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(run_dir("resumed") + "/snapshots"), fs::directory_iterator()), 3);
}

TEST_P(TrainResumeTest, RecipeRunResumesBitIdenticallyWithItsClassicEmaTrack) {
  if (GetParam() != "dit_flow" && GetParam() != "dit_energy") {
    GTEST_SKIP() << "the DiT/MAR recipe is tested with the dit-flow and dit-energy families";
  }
  ASSERT_EQ(train("recipe", "", "recipe.json"), 0) << "see " << run_dir("recipe") << ".out";
  ASSERT_EQ(train("recipe-resumed", "--set run.stop_at_step=8", "recipe.json"), 0);
  ASSERT_EQ(train("recipe-resumed", "--set run.stop_at_step=0", "recipe.json"), 0);
  expect_same_tensor_files(run_dir("recipe") + "/checkpoints/checkpoint-00000012.h5",
                      run_dir("recipe-resumed") + "/checkpoints/checkpoint-00000012.h5");
  expect_same_tensor_files(run_dir("recipe") + "/checkpoints/ema-00000012.h5",
                      run_dir("recipe-resumed") + "/checkpoints/ema-00000012.h5");
  const dact::storage::TensorFile ema = dact::storage::read_tensor_file(run_dir("recipe") + "/checkpoints/ema-00000012.h5");
  ASSERT_TRUE(ema.metadata.contains("classic_ema"));
  EXPECT_EQ(ema.metadata.at("classic_ema")[0].at("step"), 12);
  std::ifstream stats(run_dir("recipe") + "/stats.jsonl");
  for (std::string line; std::getline(stats, line);) {
    const nlohmann::json entry = nlohmann::json::parse(line);
    EXPECT_GT(entry.at("grad_norm").get<double>(), 0) << line;  // the norm before clipping
  }
  // The classic track samples by name; an unknown name lists the tracks there are.
  const std::string sample = dact::testing::dact_binary() + " sample --snapshot " + run_dir("recipe") +
                             "/snapshots/snapshot-000000.192.h5 --steps 2 --num 2 --out " + run_dir("recipe") + "/sample";
  EXPECT_EQ(std::system((sample + " --ema ema > /dev/null 2>&1").c_str()), 0) << sample;
  const std::string unknown = sample + " --ema nope > " + run_dir("recipe") + "/sample.out 2>&1";
  EXPECT_NE(std::system(unknown.c_str()), 0);
  std::ifstream out(run_dir("recipe") + "/sample.out");
  const std::string text((std::istreambuf_iterator<char>(out)), {});
  EXPECT_NE(text.find("classic tracks 'ema'"), std::string::npos) << text;
}

TEST_P(TrainResumeTest, LatentSnapshotSamplesDecodedPixels) {
  if (GetParam() != "latent") GTEST_SKIP() << "latent runs only";
  if (!fs::exists(run_dir("full") + "/snapshots/snapshot-000000.192.h5")) {
    ASSERT_EQ(train("full", ""), 0);
  }
  // The scaling was frozen into the run's config from the manifest's statistics.
  const nlohmann::json stored = nlohmann::json::parse(std::ifstream(run_dir("full") + "/config.json"));
  EXPECT_EQ(stored.at("config").at("dataset").at("latent").at("raw_std").size(), 4u);
  // `dact sample` needs the snapshot alone: it names the autoencoder, its fingerprint and the scaling.
  const dact::storage::TensorFile snapshot =
      dact::storage::read_tensor_file(run_dir("full") + "/snapshots/snapshot-000000.192.h5");
  ASSERT_TRUE(snapshot.metadata.contains("image_decoder"));
  EXPECT_EQ(snapshot.metadata.at("image_decoder").at("autoencoder"), (root_ / "ae.h5").string());
  const auto sample = dact::testing::run_dact_command("sample --snapshot " + run_dir("full") +
                                                          "/snapshots/snapshot-000000.192.h5 --steps 2 --num 3 --out " +
                                                          run_dir("full") + "/sample",
                                                      true);
  ASSERT_EQ(sample.exit_code, 0) << sample.output;
  EXPECT_TRUE(fs::exists(run_dir("full") + "/sample/grid.png"));
  H5::H5File images(run_dir("full") + "/sample/images.h5", H5F_ACC_RDONLY);
  const torch::Tensor pixels = dact::storage::read_h5_tensor(images, "images");
  EXPECT_EQ(pixels.sizes(), (std::vector<int64_t>{3, 1, 32, 32}));  // decoded, not latents
  EXPECT_EQ(pixels.scalar_type(), torch::kUInt8);
}

TEST_P(TrainResumeTest, MarSnapshotSamplesWithItsGenerationControls) {
  if (GetParam() != "mar") GTEST_SKIP() << "mar runs only";
  if (!fs::exists(run_dir("full") + "/snapshots/snapshot-000000.192.h5")) {
    ASSERT_EQ(train("full", ""), 0);
  }
  const std::string sample = "sample --snapshot " + run_dir("full") + "/snapshots/snapshot-000000.192.h5 --num 2 --out " +
                             run_dir("full") + "/mar-sample --diffusion-steps 3 --cfg 2 --cfg-schedule linear";
  const auto result = dact::testing::run_dact_command(sample + " --num-iter 4 --temperature 0.5", true);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto images = dact::storage::open_h5_for_reading(run_dir("full") + "/mar-sample/images.h5");
  EXPECT_EQ(dact::storage::read_h5_string_attribute(images, "generation_controls"),
            "--num-iter 4, --temperature 0.5");
  EXPECT_EQ(dact::storage::read_h5_string_attribute(images, "steps"), "3");
  const auto too_many = dact::testing::run_dact_command(sample + " --num-iter 17", true);  // 16 tokens
  EXPECT_NE(too_many.exit_code, 0);
  EXPECT_NE(too_many.output.find("num_iter (17) must be in [1, 16]"), std::string::npos) << too_many.output;
}

TEST_P(TrainResumeTest, UnknownConfigKeyFailsBeforeStartingMpi) {
  EXPECT_NE(train("bad", "--set trainer.bacth=3"), 0);
  std::ifstream out(root_ / "bad.out");
  const std::string text((std::istreambuf_iterator<char>(out)), {});
  EXPECT_NE(text.find("trainer.bacth"), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(Edm2, TrainResumeTest, ::testing::Values("edm2"));
INSTANTIATE_TEST_SUITE_P(Edm, TrainResumeTest, ::testing::Values("edm"));
INSTANTIATE_TEST_SUITE_P(DitFlow, TrainResumeTest, ::testing::Values("dit_flow"));
INSTANTIATE_TEST_SUITE_P(DitDdpm, TrainResumeTest, ::testing::Values("dit_ddpm"));
INSTANTIATE_TEST_SUITE_P(DitEnergy, TrainResumeTest, ::testing::Values("dit_energy"));
INSTANTIATE_TEST_SUITE_P(Latent, TrainResumeTest, ::testing::Values("latent"));
INSTANTIATE_TEST_SUITE_P(KlAutoencoder, TrainResumeTest, ::testing::Values("kl_autoencoder"));
INSTANTIATE_TEST_SUITE_P(Mar, TrainResumeTest, ::testing::Values("mar"));

}  // namespace
