// PowerEmaTrack against the closed form of the power-function EMA profile.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "workers/ema/phema.h"
#include "workers/ema/power_ema_track.h"

namespace dact::workers::ema {
namespace {

TEST(PowerEmaTrack, ConstantParametersStayConstant) {
  const torch::Tensor value = torch::randn({3, 5});
  PowerEmaTrack track(0.05, {{"w", value}});
  for (int64_t step = 1; step <= 20; ++step) {
    track.update({{"w", value}}, step * 64, 64);
  }
  EXPECT_TRUE(torch::allclose(track.params().at("w"), value, 1e-6, 1e-6));
}

TEST(PowerEmaTrack, DoesNotAliasTheTrainedParameters) {
  torch::Tensor value = torch::zeros({4});
  PowerEmaTrack track(0.1, {{"w", value}});
  value.fill_(1.0);
  EXPECT_TRUE(torch::equal(track.params().at("w"), torch::zeros({4})));
}

TEST(PowerEmaTrack, WeightsFollowThePowerFunctionProfile) {
  // Feed e_k (one-hot) at step k = 1..n. With beta_k = (1 - 1/k)^(g+1) the average
  // after n steps weighs step k by (k^(g+1) - (k-1)^(g+1)) / n^(g+1) (Equation 127).
  const int64_t n = 50;
  const int64_t batch = 256;
  for (double std : {0.05, 0.1, 0.2}) {
    SCOPED_TRACE(std);
    PowerEmaTrack track(std, {{"w", torch::zeros({n}, torch::kFloat64)}});
    for (int64_t k = 1; k <= n; ++k) {
      torch::Tensor one_hot = torch::zeros({n}, torch::kFloat64);
      one_hot[k - 1] = 1.0;
      track.update({{"w", one_hot}}, k * batch, batch);
    }
    const double g1 = std_to_exp(std) + 1;
    auto w = track.params().at("w").accessor<double, 1>();
    for (int64_t k = 1; k <= n; ++k) {
      const double expected =
          (std::pow(k, g1) - std::pow(k - 1, g1)) / std::pow(static_cast<double>(n), g1);
      EXPECT_NEAR(w[k - 1], expected, 1e-12 + 1e-10 * expected) << "step " << k;
    }
  }
}

TEST(PowerEmaTrack, MismatchedParametersAreRejected) {
  PowerEmaTrack track(0.05, {{"w", torch::zeros({2})}});
  EXPECT_THROW(track.update({{"v", torch::zeros({2})}}, 64, 64), std::invalid_argument);
  EXPECT_THROW(track.update({{"w", torch::zeros({3})}}, 64, 64), std::invalid_argument);
  EXPECT_THROW(PowerEmaTrack(0.5, {{"w", torch::zeros({2})}}), std::invalid_argument);
}

}  // namespace
}  // namespace dact::workers::ema
