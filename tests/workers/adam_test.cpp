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

// A multiplier gives its parameter the update of an Adam(W) at lr * factor (a torch
// param group with its own lr); the decay of that parameter uses that lr too.
TEST(Adam, LearningRateMultiplierScalesItsParametersLr) {
  torch::Tensor a = torch::ones({3, 2}).requires_grad_(), b = torch::ones({3, 2}).requires_grad_();
  torch::Tensor alone = torch::ones({3, 2}).requires_grad_();
  AdamOptions options{0.9, 0.95, 1e-8, 0.02};
  Adam grouped({{"a", a}, {"b", b}}, options, {{"b", 3.0}});
  Adam reference({{"alone", alone}}, options);
  for (int step = 0; step < 4; ++step) {
    for (auto* p : {&a, &b, &alone}) p->mutable_grad() = torch::sin(*p * (step + 1)).detach();
    grouped.step(0.01);
    reference.step(0.03);
    EXPECT_TRUE(torch::allclose(b, alone, 1e-6, 1e-7)) << "step " << step;
    EXPECT_FALSE(torch::allclose(a, b)) << "step " << step;
  }
  EXPECT_THROW(Adam({{"a", a}}, options, {{"alpha", 2.0}}), std::invalid_argument);
}

}  // namespace
}  // namespace dact::workers::trainer
