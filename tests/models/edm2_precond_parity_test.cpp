// EDM2 Precond(UNet) against the original PyTorch code: ../shared/reference/
// edm2_precond_tiny.h5 (eval forward; training forward with in-place forced weight
// normalization, EDM2 loss and every gradient). Error metric: max|ours - ref| / max|ref|
// over each tensor, bound 1e-4 (float32); for an all-zero reference (the reference
// network has out_gain = emb_gain = 0, so most U-Net gradients are exactly 0) it is the
// absolute max|ours|. out_gain's gradient is a full-body check: it is the loss
// gradient contracted with the U-Net's output before the gain.
#include <gtest/gtest.h>

#include <string>

#include "models/edm2/edm2_configs.h"
#include "models/edm2/edm2_precond.h"
#include "models/diffusion/edm_loss.h"
#include "models/state_dict.h"
#include "storage/h5_tensor_io.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::models {
namespace {

const std::string kReference = dact::testing::reference_file("edm2_precond_tiny.h5");
constexpr double kTolerance = 1e-4;

using dact::testing::max_relative_error;

class Edm2PrecondParity : public ::testing::Test {
 protected:
  void SetUp() override {
    const H5::H5File file = storage::open_h5_for_reading(kReference);
    reference_ = storage::read_h5_tensors(file);
    std::map<std::string, torch::Tensor> weights;
    for (const auto& [name, tensor] : reference_) {
      if (name.rfind("weights/", 0) == 0) weights.emplace(name.substr(8), tensor);
    }
    load_state_dict(*model_, weights);
  }
  const torch::Tensor& ref(const std::string& name) const { return reference_.at(name); }

  Edm2Precond model_{edm2_named_config("edm2-tiny")};
  std::map<std::string, torch::Tensor> reference_;
};

TEST_F(Edm2PrecondParity, ParameterCountIsTheReferenceOne) {
  int64_t count = 0;
  for (const torch::Tensor& p : model_->parameters()) count += p.numel();
  EXPECT_EQ(count, 724267);  // README: 724,267 parameters
}

TEST_F(Edm2PrecondParity, EvalForwardMatches) {
  model_->eval();
  torch::NoGradGuard no_grad;
  const Edm2Output out = model_->forward(ref("input/x"), ref("input/sigma"), ref("input/class_labels"));
  EXPECT_LE(max_relative_error(out.D, ref("output_eval/D")), kTolerance);
  EXPECT_LE(max_relative_error(out.logvar, ref("output_eval/logvar")), kTolerance);
}

TEST_F(Edm2PrecondParity, TrainingStepMatchesWeightsLossAndGradients) {
  model_->train();
  const torch::Tensor& y = ref("input/x");
  const torch::Tensor& sigma = ref("input/sigma");
  const torch::Tensor sigma4 = sigma.reshape({-1, 1, 1, 1});
  const Edm2Output out =
      model_->forward(y + ref("train/noise") * sigma4, sigma, ref("input/class_labels"));
  const torch::Tensor loss = edm2_loss(out.D, y, sigma4, out.logvar, 0.5).sum();
  (loss / y.size(0)).backward();

  EXPECT_LE(max_relative_error(out.D, ref("train/D")), kTolerance);
  EXPECT_LE(max_relative_error(out.logvar, ref("train/logvar")), kTolerance);
  EXPECT_LE(max_relative_error(loss, ref("train/loss_elementwise_sum")), kTolerance);

  const auto parameters = state_dict(*model_);
  int weights_checked = 0, grads_checked = 0;
  for (const auto& [name, tensor] : reference_) {
    for (const std::string prefix : {"train/weights_after_forward/", "train/grad/"}) {
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string parameter = name.substr(prefix.size());
      ASSERT_EQ(parameters.count(parameter), 1u) << parameter;
      const bool is_grad = prefix == "train/grad/";
      const torch::Tensor ours = is_grad ? parameters.at(parameter).grad() : parameters.at(parameter);
      ASSERT_TRUE(ours.defined()) << name;
      EXPECT_LE(max_relative_error(ours, tensor), kTolerance) << name;
      ++(is_grad ? grads_checked : weights_checked);
    }
  }
  EXPECT_EQ(grads_checked, static_cast<int>(model_->parameters().size()));
  EXPECT_GT(weights_checked, 0);
}

}  // namespace
}  // namespace dact::models
