// Loading PyTorch state dicts: exact copies, and errors that name every bad entry.
#include <gtest/gtest.h>

#include "models/edm2/edm2_layers.h"
#include "models/state_dict.h"

namespace dact::models {
namespace {

struct TwoLayers : torch::nn::Module {
  TwoLayers() {
    register_module("fourier", MPFourier(3));
    register_module("conv", MPConv(2, 4, std::vector<int64_t>{3, 3}));
  }
};

std::map<std::string, torch::Tensor> valid_state() {
  return {{"fourier.freqs", torch::full({3}, 1.5)},
          {"fourier.phases", torch::full({3}, 0.25)},
          {"conv.weight", torch::full({4, 2, 3, 3}, 2.0, torch::kFloat64)}};
}

std::string error_of(const std::map<std::string, torch::Tensor>& tensors) {
  TwoLayers module;
  try {
    load_state_dict(module, tensors);
  } catch (const StateDictError& e) {
    return e.what();
  }
  return "";
}

TEST(StateDict, LoadsParametersAndBuffers) {
  TwoLayers module;
  load_state_dict(module, valid_state());
  const auto loaded = state_dict(module);
  EXPECT_TRUE(loaded.at("fourier.phases").equal(torch::full({3}, 0.25)));
  EXPECT_TRUE(loaded.at("conv.weight").equal(torch::full({4, 2, 3, 3}, 2.0)));  // converted to float32
  EXPECT_EQ(loaded.size(), 3u);
}

TEST(StateDict, NamesMissingUnexpectedAndWrongShapeEntries) {
  auto tensors = valid_state();
  tensors.erase("fourier.freqs");
  tensors["conv.bias"] = torch::zeros({4});
  tensors["fourier.phases"] = torch::zeros({5});
  const std::string what = error_of(tensors);
  EXPECT_NE(what.find("missing [fourier.freqs]"), std::string::npos) << what;
  EXPECT_NE(what.find("unexpected [conv.bias]"), std::string::npos) << what;
  EXPECT_NE(what.find("fourier.phases (expected [3], got [5])"), std::string::npos) << what;
}

TEST(StateDict, FailedLoadChangesNothing) {
  TwoLayers module;
  const torch::Tensor before = state_dict(module).at("conv.weight").clone();
  auto tensors = valid_state();
  tensors["fourier.freqs"] = torch::zeros({2});
  EXPECT_THROW(load_state_dict(module, tensors), StateDictError);
  EXPECT_TRUE(state_dict(module).at("conv.weight").equal(before));
}

}  // namespace
}  // namespace dact::models
