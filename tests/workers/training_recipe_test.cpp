// The DiT/MAR recipe's optimizer against PyTorch itself: training_recipe_reference.py
// runs torch.optim.AdamW (two param groups, decay and no decay) and
// torch.nn.utils.clip_grad_norm_ under /usr/bin/python3, and dact's Adam with
// weight_decay (picking the no-decay group by itself) and clip_grad_norm must give the
// same tensors. Bound: relative error 1e-6 (float32; in practice equal bit for bit
// when LibTorch and the Python torch are the same build).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "storage/h5_tensor_io.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"
#include "workers/trainer/adam.h"
#include "workers/trainer/gradient_clipping.h"

namespace dact::workers::trainer {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kRecipeParamNames = {
    "blocks.0.linear.weight", "blocks.0.linear.bias", "norm.weight", "y_embedder.embedding_table.weight",
    "pos_embed",              "x_embedder.proj.weight"};

class TrainingRecipeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("dact_training_recipe_" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const std::string command = "/usr/bin/python3 '" + dact::testing::source_dir() +
                                "/tests/workers/training_recipe_reference.py' '" + reference() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string reference() { return (*dir_ / "reference.h5").string(); }
  static torch::Tensor expected(const std::string& name) {
    return storage::read_h5_tensor(storage::open_h5_for_reading(reference()), name);
  }

  static fs::path* dir_;
};
fs::path* TrainingRecipeTest::dir_ = nullptr;

TEST_F(TrainingRecipeTest, AdamWMatchesTorchOptimAdamWWithItsNoDecayGroup) {
  std::vector<std::pair<std::string, torch::Tensor>> params;
  for (const std::string& name : kRecipeParamNames) {
    params.emplace_back(name, expected("adamw/init/" + name).clone().requires_grad_());
  }
  AdamOptions options;
  options.beta1 = 0.9;
  options.beta2 = 0.95;
  options.weight_decay = 0.05;
  Adam adamw(params, options);
  EXPECT_EQ(adamw.decayed_parameter_names(),
            (std::vector<std::string>{"blocks.0.linear.weight", "x_embedder.proj.weight"}));
  const torch::Tensor lrs = expected("adamw/lr");
  for (int64_t step = 0; step < lrs.size(0); ++step) {
    for (auto& [name, param] : params) {
      param.mutable_grad() = expected("adamw/grad/" + std::to_string(step) + "/" + name);
    }
    adamw.step(lrs[step].item<double>());
    for (const auto& [name, param] : params) {
      const torch::Tensor reference = expected("adamw/after/" + std::to_string(step) + "/" + name);
      EXPECT_LE(dact::testing::max_relative_error(param, reference), 1e-6) << name << " after step " << step;
    }
  }
}

TEST_F(TrainingRecipeTest, ClippingMatchesClipGradNorm) {
  for (const std::string max_norm : {"1.0", "1000.0"}) {
    std::vector<std::pair<std::string, torch::Tensor>> params;
    for (const std::string& name : kRecipeParamNames) {
      torch::Tensor param = torch::zeros_like(expected("clip/grad/" + name)).requires_grad_();
      param.mutable_grad() = expected("clip/grad/" + name).clone();
      params.emplace_back(name, param);
    }
    const double total_norm = clip_grad_norm(params, std::stod(max_norm));
    const double expected_norm = expected("clip/" + max_norm + "/total_norm").item<double>();
    EXPECT_NEAR(total_norm, expected_norm, 1e-6 * expected_norm) << max_norm;
    for (const auto& [name, param] : params) {
      const torch::Tensor reference = expected("clip/" + max_norm + "/" + name);
      EXPECT_LE(dact::testing::max_relative_error(param.grad(), reference), 1e-6) << name << ", max_norm " << max_norm;
    }
    // The reference clips at 1.0 (its norm is ~40) and leaves the gradients alone at 1000.
    if (max_norm == "1000.0") {
      EXPECT_TRUE(torch::equal(params[0].second.grad(), expected("clip/grad/" + params[0].first)));
    }
  }
}

TEST(GradientClipping, ScalesToMaxNormByTheGlobalNorm) {
  // Gradients (3, 4) and (12): ||g|| = sqrt(9 + 16 + 144) = 13.
  torch::Tensor a = torch::zeros({2}).requires_grad_(), b = torch::zeros({1}).requires_grad_();
  a.mutable_grad() = torch::tensor({3.0f, 4.0f});
  b.mutable_grad() = torch::tensor({12.0f});
  const std::vector<std::pair<std::string, torch::Tensor>> params{{"a", a}, {"b", b}};
  EXPECT_FLOAT_EQ(global_grad_norm(params).item<float>(), 13.0f);
  EXPECT_FLOAT_EQ(static_cast<float>(clip_grad_norm(params, 6.5)), 13.0f);  // the norm before clipping
  // Scaled by 6.5 / (13 + 1e-6): the new norm is 6.5 (up to the 1e-6).
  EXPECT_NEAR(global_grad_norm(params).item<double>(), 6.5, 1e-5);
  EXPECT_NEAR(b.grad().item<double>(), 6.0, 1e-5);
}

}  // namespace
}  // namespace dact::workers::trainer
