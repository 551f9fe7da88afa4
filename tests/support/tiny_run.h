#pragma once
// What end-to-end tests of `dact train` share: the EDM2 U-Net small enough for them and
// the Fashion-MNIST test split as shards.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/test_paths.h"

namespace dact::testing {

// EDM2's U-Net at 16 channels on 32x32x1 images of 10 classes (a `model` section).
inline nlohmann::json tiny_edm2_model() {
  return {{"arch", "edm2-precond"}, {"img_resolution", 32},      {"img_channels", 1},
          {"label_dim", 10},        {"model_channels", 16},      {"channel_mult", {1, 2}},
          {"num_blocks", 1},        {"attn_resolutions", nlohmann::json::array()}};
}

// Converts the test split into root/data/test (its log: root/convert.log); returns that
// directory. Fails the test when the conversion fails.
inline std::string convert_test_split(const std::filesystem::path& root) {
  const std::string convert = dact_binary() + " dataset convert --source " + fashion_mnist_dir() + " --dest " +
                              (root / "data").string() + " --split test --resolution 32 > " +
                              (root / "convert.log").string() + " 2>&1";
  EXPECT_EQ(std::system(convert.c_str()), 0) << convert;
  return (root / "data" / "test").string();
}

}  // namespace dact::testing
