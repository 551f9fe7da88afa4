#include "workers/trainer/adam.h"

#include <gtest/gtest.h>

namespace dact::workers::trainer {
namespace {

// LibTorch's own torch::optim::Adam is the reference for the update rule.
TEST(Adam, MatchesTorchOptimAdamStepForStep) {
  torch::manual_seed(0);
  const torch::Tensor init_a = torch::randn({5, 3});
  const torch::Tensor init_b = torch::randn({7});
  torch::Tensor ours_a = init_a.clone().requires_grad_(), ours_b = init_b.clone().requires_grad_();
  torch::Tensor ref_a = init_a.clone().requires_grad_(), ref_b = init_b.clone().requires_grad_();
  Adam ours({{"a", ours_a}, {"b", ours_b}}, {0.9, 0.99, 1e-8});
  torch::optim::Adam reference({ref_a, ref_b}, torch::optim::AdamOptions(0.01).betas({0.9, 0.99}).eps(1e-8));
  for (int step = 0; step < 6; ++step) {
    const double lr = 0.01 * (step + 1);
    static_cast<torch::optim::AdamOptions&>(reference.param_groups()[0].options()).lr(lr);
    for (auto* params : {&ours_a, &ref_a}) (*params).mutable_grad() = torch::sin(*params * (step + 1)).detach();
    for (auto* params : {&ours_b, &ref_b}) (*params).mutable_grad() = torch::cos(*params * (step + 2)).detach();
    ours.step(lr);
    reference.step();
    EXPECT_TRUE(torch::allclose(ours_a, ref_a, 1e-6, 1e-7)) << "step " << step;
    EXPECT_TRUE(torch::allclose(ours_b, ref_b, 1e-6, 1e-7)) << "step " << step;
  }
}

TEST(Adam, StateRoundTripContinuesIdentically) {
  torch::Tensor p = torch::ones({4}).requires_grad_();
  Adam first({{"p", p}}, {});
  p.mutable_grad() = torch::full({4}, 0.5);
  first.step(0.1);
  first.step(0.1);
  torch::Tensor q = p.detach().clone().requires_grad_();
  Adam second({{"p", q}}, {});
  second.load_state(first.state());
  EXPECT_EQ(second.steps_taken(), 2);
  q.mutable_grad() = torch::full({4}, -0.25);
  p.mutable_grad() = torch::full({4}, -0.25);
  first.step(0.05);
  second.step(0.05);
  EXPECT_TRUE(torch::equal(p, q));
  EXPECT_THROW(second.load_state({}), std::invalid_argument);
}

}  // namespace
}  // namespace dact::workers::trainer
