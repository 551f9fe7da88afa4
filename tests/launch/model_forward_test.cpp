// `dact model forward` end to end: the built binary reproduces the EDM2 reference
// output (../shared/reference/edm2_precond_tiny.h5, eval mode) and rejects bad configs.
// Error metric: max|ours - ref| / max|ref|, bound 1e-4 (float32).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "storage/h5_tensor_io.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/test_paths.h"
#include "tests/support/tensor_compare.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

const std::string kReference = dact::testing::reference_file("edm2_precond_tiny.h5");

class ModelForward : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dact_model_forward_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_config(const std::string& json) const {
    const std::string path = (dir_ / "model.json").string();
    std::ofstream(path) << json;
    return path;
  }

  // Runs `dact model forward` on the reference file; returns the exit code.
  int run_forward(const std::string& config_path) {
    const testing::DactResult result = testing::run_dact_command(
        "model forward --arch edm2-precond --config " + config_path + " --weights " + kReference +
            " --input " + kReference + " --out " + out_path(),
        /*merge_stderr=*/true);
    log_ = result.output;
    return result.exit_code;
  }

  std::string out_path() const { return (dir_ / "out.h5").string(); }
  const std::string& log() const { return log_; }

  fs::path dir_;
  std::string log_;
};

using dact::testing::max_relative_error;

TEST_F(ModelForward, ReproducesTheEdm2ReferenceOutput) {
  const H5::H5File reference = storage::open_h5_for_reading(kReference);
  const std::string config = storage::read_h5_string_attribute(reference, "config");
  ASSERT_EQ(run_forward(write_config(config)), 0) << log();

  const H5::H5File out = storage::open_h5_for_reading(out_path());
  EXPECT_LE(max_relative_error(storage::read_h5_tensor(out, "D"),
                               storage::read_h5_tensor(reference, "output_eval/D")),
            1e-4);
  EXPECT_LE(max_relative_error(storage::read_h5_tensor(out, "logvar"),
                               storage::read_h5_tensor(reference, "output_eval/logvar")),
            1e-4);
}

TEST_F(ModelForward, RejectsUnknownConfigKeysByName) {
  const std::string config =
      R"({"img_resolution": 8, "img_channels": 4, "label_dim": 10, "model_channels": 32,
          "channel_mult": [1, 2], "num_blocks": 1, "attn_resolutions": [4], "dropout": 0,
          "num_heads": 2})";
  EXPECT_EQ(run_forward(write_config(config)), 1);
  EXPECT_NE(log().find("unknown key 'num_heads'"), std::string::npos) << log();
  EXPECT_FALSE(fs::exists(out_path()));
}

TEST_F(ModelForward, RejectsWeightsOfAnotherSize) {
  const std::string config =
      R"({"img_resolution": 8, "img_channels": 4, "label_dim": 10, "model_channels": 16,
          "channel_mult": [1, 2], "num_blocks": 1, "attn_resolutions": [4], "dropout": 0})";
  EXPECT_EQ(run_forward(write_config(config)), 1);
  EXPECT_NE(log().find("unet.out_conv.weight (expected [4, 16, 3, 3], got [4, 32, 3, 3])"),
            std::string::npos)
      << log();
}

}  // namespace
}  // namespace dact::launch
