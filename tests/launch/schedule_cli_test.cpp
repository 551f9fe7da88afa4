// `dact schedule learn` and `--schedule FILE` through the built binary, on a tiny random
// snapshot of the edm family (EDM's DDPM++ under EDM preconditioning) and the
// Fashion-MNIST test images: the file holds N decreasing levels spanning the range,
// heun and euler sample on them, and what does not fit (sed, other --steps) is refused;
// an EDM2 snapshot guides the edm family's network (autoguidance across families).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "storage/h5_tensor_io.h"
#include "tests/support/model_snapshot.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace dact::launch {
namespace {

class ScheduleCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new dact::testing::TempDir("dact-schedule-cli");
    const nlohmann::json edm = {{"arch", "edm-precond"}, {"network", "ddpmpp"}, {"precond", "edm"},
                                {"img_resolution", 32}, {"img_channels", 1}, {"label_dim", 10},
                                {"model_channels", 8}, {"channel_mult", {1}}, {"num_blocks", 1},
                                {"attn_resolutions", nlohmann::json::array()}};
    dact::testing::write_model_snapshot(*dir_ / "edm.h5", edm, {0.1}, 1);
    const nlohmann::json edm2 = {{"arch", "edm2-precond"}, {"img_resolution", 32}, {"img_channels", 1},
                                 {"label_dim", 10}, {"model_channels", 8}, {"channel_mult", {1}},
                                 {"num_blocks", 1}, {"attn_resolutions", nlohmann::json::array()},
                                 {"sigma_data", 0.3}};
    dact::testing::write_model_snapshot(*dir_ / "edm2.h5", edm2, {0.05}, 2);
    const auto convert = dact::testing::run_dact_command("dataset convert --source " +
                                                             dact::testing::fashion_mnist_dir() + " --dest " +
                                                             (*dir_ / "data") + " --split test --resolution 32",
                                                         true);
    ASSERT_EQ(convert.exit_code, 0) << convert.output;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static dact::testing::DactResult dact(const std::string& arguments) {
    return dact::testing::run_dact_command(arguments, /*merge_stderr=*/true);
  }
  static std::string path(const std::string& name) { return *dir_ / name; }
  static torch::Tensor images(const std::string& out) {
    return storage::read_h5_tensor(storage::open_h5_for_reading(path(out + "/images.h5")), "images");
  }
  static dact::testing::DactResult sample(const std::string& arguments, const std::string& out) {
    return dact("sample --snapshot " + path("edm.h5") + " --num 3 --threads 1 " + arguments + " --out " + path(out));
  }

  static dact::testing::TempDir* dir_;
};

dact::testing::TempDir* ScheduleCli::dir_ = nullptr;

TEST_F(ScheduleCli, LearnWritesAScheduleThatHeunAndEulerSampleOn) {
  const auto learn = dact("schedule learn --snapshot " + path("edm.h5") + " --steps 5 --data " + path("data/test") +
                          " --out " + path("schedule.json") + " --iterations 3 --batch 4 --lr 0.1 --threads 1");
  ASSERT_EQ(learn.exit_code, 0) << learn.output;
  const nlohmann::json file = nlohmann::json::parse(std::ifstream(path("schedule.json")));
  const auto sigmas = file.at("sigmas").get<std::vector<double>>();
  ASSERT_EQ(sigmas.size(), 5u);
  EXPECT_DOUBLE_EQ(sigmas.front(), 80);  // softmax: the range stays EDM's
  EXPECT_NEAR(sigmas.back(), 0.002, 1e-12);
  for (size_t i = 1; i < sigmas.size(); ++i) EXPECT_LT(sigmas[i], sigmas[i - 1]);
  EXPECT_EQ(file.at("parameterisation"), "softmax");

  ASSERT_EQ(sample("--steps 5", "rho").exit_code, 0);
  for (const std::string sampler : {"heun", "euler", "sed"}) {
    const auto scheduled = sample("--sampler " + sampler + " --schedule " + path("schedule.json"), sampler);
    ASSERT_EQ(scheduled.exit_code, 0) << scheduled.output;
    EXPECT_EQ(images(sampler).sizes(), (torch::IntArrayRef{3, 1, 32, 32}));
  }
  EXPECT_FALSE(torch::equal(images("rho"), images("heun")));
  EXPECT_FALSE(torch::equal(images("heun"), images("sed")));
  const auto steps = sample("--steps 8 --schedule " + path("schedule.json"), "steps");
  EXPECT_NE(steps.exit_code, 0);
  EXPECT_NE(steps.output.find("has 5 noise levels, --steps says 8"), std::string::npos) << steps.output;
}

TEST_F(ScheduleCli, AnEdm2SnapshotGuidesTheEdmFamilysNetwork) {
  ASSERT_EQ(sample("--steps 3", "plain").exit_code, 0);
  const auto guided =
      sample("--steps 3 --guide-snapshot " + path("edm2.h5") + " --guide-std 0.05 --guidance 2", "guided");
  ASSERT_EQ(guided.exit_code, 0) << guided.output;
  EXPECT_FALSE(torch::equal(images("plain"), images("guided")));
}

TEST_F(ScheduleCli, LearnRefusesAFamilyWithoutEdmPreconditioning) {
  const nlohmann::json dit = {{"arch", "dit-flow"}, {"input_size", 32}, {"patch_size", 8}, {"in_channels", 1},
                              {"hidden_size", 16}, {"depth", 1}, {"num_heads", 2}, {"num_classes", 10}};
  dact::testing::write_model_snapshot(path("dit.h5"), dit, {0.1}, 3);
  const auto learn = dact("schedule learn --snapshot " + path("dit.h5") + " --steps 4 --data " + path("data/test") +
                          " --out " + path("dit-schedule.json") + " --iterations 1");
  EXPECT_EQ(learn.exit_code, 1);
  EXPECT_NE(learn.output.find("is not an EDM-preconditioned denoiser"), std::string::npos) << learn.output;
}

}  // namespace
}  // namespace dact::launch
