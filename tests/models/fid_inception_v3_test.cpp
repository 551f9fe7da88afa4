// FID Inception-v3 to pool3 against torchvision + pytorch-fid's FID blocks, built and
// run by fid_inception_reference.py under /usr/bin/python3 (random weights with
// calibrated BatchNorm statistics, 1- and 3-channel random images, both input
// pipelines). Error metric: max|ours - ref| / max|ref|, bound 1e-4 (float32 over ~100
// layers); the preprocessed inputs must agree to 1e-5 absolute.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "models/features/feature_network.h"
#include "models/features/inception_preprocess.h"
#include "storage/h5_tensor_io.h"
#include "storage/storage_error.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::models::features {
namespace {

namespace fs = std::filesystem;

using dact::testing::max_relative_error;

// Runs the Python reference once for all tests of this file.
class FidInceptionV3Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("dact_fid_inception_" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const std::string command = "/usr/bin/python3 '" + dact::testing::source_dir() +
                                "/tests/models/fid_inception_reference.py' '" + weights() + "' '" + reference() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string weights() { return (*dir_ / "inception.h5").string(); }
  static std::string reference() { return (*dir_ / "reference.h5").string(); }
  static torch::Tensor expected(const std::string& name) {
    return storage::read_h5_tensor(storage::open_h5_for_reading(reference()), name);
  }

  static fs::path* dir_;
};
fs::path* FidInceptionV3Test::dir_ = nullptr;

TEST_F(FidInceptionV3Test, PreprocessingMatchesTf1LegacyResizeAndInterpolate) {
  for (const std::string group : {"c1", "c3"}) {
    const torch::Tensor images = expected(group + "/images");
    EXPECT_LE((inception_input(images, InceptionPreprocess::tf1) - expected(group + "/tf1_input")).abs().max().item<double>(),
              1e-5)
        << group;
    EXPECT_LE((inception_input(images, InceptionPreprocess::pytorch_fid) - expected(group + "/pytorch_fid_input"))
                  .abs()
                  .max()
                  .item<double>(),
              1e-5)
        << group;
  }
}

TEST_F(FidInceptionV3Test, Pool3MatchesPytorchFidForBothInputPipelines) {
  const auto tf1 = load_feature_network(weights());  // the file's config says tf1
  FeatureNetworkOptions options;
  options.inception_preprocess = "pytorch-fid";
  const auto pytorch_fid = load_feature_network(weights(), options);
  EXPECT_EQ(tf1->dim(), 2048);
  EXPECT_EQ(tf1->name().rfind("inception-v3/tf1@", 0), 0u) << tf1->name();
  EXPECT_EQ(pytorch_fid->name().rfind("inception-v3/pytorch-fid@", 0), 0u) << pytorch_fid->name();
  for (const std::string group : {"c1", "c3"}) {
    const torch::Tensor images = expected(group + "/images");
    EXPECT_LE(max_relative_error(tf1->features(images), expected(group + "/pool3_tf1")), 1e-4) << group;
    EXPECT_LE(max_relative_error(pytorch_fid->features(images), expected(group + "/pool3_pytorch_fid")), 1e-4)
        << group;
  }
}

TEST_F(FidInceptionV3Test, MissingTensorIsAnErrorNamingFileAndTensor) {
  // The reference weights without one BatchNorm buffer.
  const std::string broken = (*dir_ / "broken.h5").string();
  {
    const H5::H5File source = storage::open_h5_for_reading(weights());
    H5::H5File out(broken, H5F_ACC_TRUNC);
    storage::write_h5_string_attribute(out, "architecture", "inception-v3");
    H5::Group group = out.createGroup("weights");
    for (const auto& [name, tensor] : storage::read_h5_tensors(source.openGroup("weights"))) {
      if (name != "Mixed_6c.branch7x7_2.bn.running_var") storage::write_h5_tensor(group, name, tensor);
    }
  }
  try {
    load_feature_network(broken);
    FAIL() << "expected a StorageError";
  } catch (const storage::StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("broken.h5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Mixed_6c.branch7x7_2.bn.running_var"), std::string::npos) << e.what();
  }
}

TEST(InceptionPreprocess, Tf1LegacyResizeUsesDstTimesInOverOut) {
  // in = out * (2 / 4): taps at 0, 0.5, 1, 1.5 -> the last clamps to the edge.
  const torch::Tensor x = torch::tensor({10.0f, 30.0f}).view({1, 1, 1, 2});
  const torch::Tensor y = resize_bilinear_tf1_legacy(x, 1, 4);
  EXPECT_TRUE(torch::equal(y.flatten(), torch::tensor({10.0f, 20.0f, 30.0f, 30.0f}))) << y;
}

TEST(InceptionPreprocess, UnknownNameIsAnError) {
  EXPECT_THROW(parse_inception_preprocess("tf2"), std::invalid_argument);
}

}  // namespace
}  // namespace dact::models::features
