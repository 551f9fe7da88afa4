// `dact sample` with autoguidance and EDM's sampler controls, through the built binary
// on tiny random snapshots: a guide snapshot of a smaller EDM2 net guides the main one,
// weight 1 leaves the samples as they are without a guide, and what does not fit (a
// guide of another image shape, EDM controls for a DiT) is refused by name.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "storage/h5_tensor_io.h"
#include "tests/support/model_snapshot.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"

namespace dact::launch {
namespace {

nlohmann::json tiny_edm2(int64_t channels, int64_t resolution) {
  return {{"arch", "edm2-precond"}, {"img_resolution", resolution}, {"img_channels", 1}, {"label_dim", 3},
          {"model_channels", channels}, {"channel_mult", {1}}, {"num_blocks", 1},
          {"attn_resolutions", nlohmann::json::array()}};
}

class SampleGuidanceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dact::testing::write_model_snapshot(dir_ / "main.h5", tiny_edm2(16, 8), {0.1}, 1);
    // A freshly initialised EDM2 net outputs D = c_skip x (its out_gain starts at 0),
    // so the guide differs from the main net by its sigma_data.
    nlohmann::json guide = tiny_edm2(8, 8);
    guide["sigma_data"] = 0.3;
    dact::testing::write_model_snapshot(dir_ / "guide.h5", guide, {0.05}, 2);
  }
  dact::testing::DactResult sample(const std::string& arguments, const std::string& out) {
    return dact::testing::run_dact_command("sample --snapshot " + (dir_ / "main.h5") + " --num 4 --threads 1 " +
                                               arguments + " --out " + (dir_ / out),
                                           /*merge_stderr=*/true);
  }
  torch::Tensor images(const std::string& out) {
    return storage::read_h5_tensor(storage::open_h5_for_reading(dir_ / (out + "/images.h5")), "images");
  }

  dact::testing::TempDir dir_{"dact-sample-guidance"};
};

TEST_F(SampleGuidanceCli, AGuideSnapshotGuidesEverySampler) {
  const auto plain = sample("--steps 3", "plain");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  for (const std::string sampler : {"heun", "euler", "sed"}) {
    const auto guided = sample("--sampler " + sampler + " --steps 3 --guide-snapshot " + (dir_ / "guide.h5") +
                                   " --guide-std 0.05 --guidance 2 --guidance-interval 0.1,50",
                               "guided-" + sampler);
    ASSERT_EQ(guided.exit_code, 0) << guided.output;
    EXPECT_EQ(images("guided-" + sampler).sizes(), (torch::IntArrayRef{4, 1, 8, 8}));
  }
  EXPECT_FALSE(torch::equal(images("plain"), images("guided-heun")));
  // Weight 1 is no guidance: the guide is not evaluated.
  const auto unit = sample("--steps 3 --guide-snapshot " + (dir_ / "guide.h5") + " --cfg 1", "unit");
  ASSERT_EQ(unit.exit_code, 0) << unit.output;
  EXPECT_TRUE(torch::equal(images("plain"), images("unit")));
}

TEST_F(SampleGuidanceCli, EdmControlsChangeTheSamplesAndBadOnesAreRefused) {
  ASSERT_EQ(sample("--steps 3", "plain").exit_code, 0);
  const auto controlled =
      sample("--steps 3 --sampler heun --rho 3 --sigma-max 20 --churn 5 --s-min 0.1 --s-max 10 --s-noise 1.003",
             "controlled");
  ASSERT_EQ(controlled.exit_code, 0) << controlled.output;
  EXPECT_FALSE(torch::equal(images("plain"), images("controlled")));
  const auto inverted = sample("--sigma-min 3 --sigma-max 2", "inverted");
  EXPECT_EQ(inverted.exit_code, 1);
  EXPECT_NE(inverted.output.find("--sigma-min must be below --sigma-max"), std::string::npos) << inverted.output;
}

TEST_F(SampleGuidanceCli, AGuideOfAnotherImageShapeIsRefused) {
  dact::testing::write_model_snapshot(dir_ / "guide16.h5", tiny_edm2(8, 16), {0.05});
  const auto result = sample("--guide-snapshot " + (dir_ / "guide16.h5") + " --cfg 2", "bad");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("the guide network must have the main network's image shape"), std::string::npos)
      << result.output;
}

TEST_F(SampleGuidanceCli, EdmControlsForAFamilyWithoutThemAreRefused) {
  const nlohmann::json dit = {{"arch", "dit-flow"}, {"input_size", 8}, {"patch_size", 4}, {"in_channels", 1},
                              {"hidden_size", 16}, {"depth", 1}, {"num_heads", 2}, {"num_classes", 3}};
  dact::testing::write_model_snapshot(dir_ / "dit.h5", dit, {0.1});
  const auto result = dact::testing::run_dact_command(
      "sample --snapshot " + (dir_ / "dit.h5") + " --steps 2 --num 2 --rho 3 --out " + (dir_ / "dit"), true);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("sampler controls (--rho 3) belong to the EDM-preconditioned families' samplers; "
                               "dit-flow has none"),
            std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace dact::launch
