// Class-label dropout for classifier-free guidance: dropped rows become the all-zero
// (unconditional) label, kept rows are unchanged, at rate p.
#include <gtest/gtest.h>

#include "models/diffusion/class_label_dropout.h"

namespace dact::models {
namespace {

torch::Tensor one_hot(int64_t n, int64_t classes) {
  return torch::one_hot(torch::arange(n) % classes, classes).to(torch::kFloat32);
}

TEST(ClassLabelDropout, RowsBelowThePBecomeZero) {
  const torch::Tensor labels = one_hot(4, 3);
  const torch::Tensor u = torch::tensor({0.05f, 0.5f, 0.1f, 0.9f});
  const torch::Tensor dropped = drop_class_labels(labels, 0.1, u);
  EXPECT_EQ(dropped[0].abs().sum().item<float>(), 0.0f);
  EXPECT_TRUE(dropped[1].equal(labels[1]));
  EXPECT_TRUE(dropped[2].equal(labels[2]));  // u == p is kept (u >= p)
  EXPECT_TRUE(dropped[3].equal(labels[3]));
}

TEST(ClassLabelDropout, RateMatchesP) {
  const torch::Tensor labels = one_hot(100000, 10);
  auto generator = at::detail::createCPUGenerator(3);
  const torch::Tensor dropped = drop_class_labels(labels, 0.1, generator);
  const double dropped_fraction = (dropped.sum(1) == 0).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(dropped_fraction, 0.1, 0.005);  // binomial std 0.00095
  EXPECT_TRUE(drop_class_labels(labels, 0.0, generator).equal(labels));
  EXPECT_EQ(drop_class_labels(labels, 1.0, generator).abs().sum().item<float>(), 0.0f);
}

}  // namespace
}  // namespace dact::models
