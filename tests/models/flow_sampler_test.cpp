// Flow sampler pieces against their formulas: SD3's shifted time grid, the trajectory
// progress guidance schedules read, the score from the velocity, and guidance of a
// velocity field (classifier-free guidance, linear ramp, interval) over flow times.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "models/diffusion/flow_sampler.h"
#include "models/diffusion/guidance.h"
#include "tests/models/gaussian_oracle.h"

// A namespace of its own, so the using-directive stays out of the other files of this
// folder's unity batch.
namespace dact::models::flow_sampler_test {
namespace {

using namespace gaussian_oracle;  // NOLINT: the test's vocabulary

std::vector<double> as_vector(const torch::Tensor& t) { return {t.data_ptr<double>(), t.data_ptr<double>() + t.numel()}; }

TEST(FlowTimeGrid, ShiftOneIsTheUniformGrid) {
  FlowSamplerOptions options;
  options.num_steps = 4;
  EXPECT_EQ(as_vector(flow_time_steps(options)), (std::vector<double>{1, 0.75, 0.5, 0.25, 0}));
}

TEST(FlowTimeGrid, ShiftFollowsSd3AndProgressInvertsIt) {
  // t' = 3 u / (1 + 2 u) at u = 1, 3/4, 1/2, 1/4, 0.
  FlowSamplerOptions options;
  options.num_steps = 4;
  options.time_shift = 3;
  const auto times = as_vector(flow_time_steps(options));
  const std::vector<double> expected{1, 0.9, 0.75, 0.5, 0};
  ASSERT_EQ(times.size(), expected.size());
  for (size_t i = 0; i < times.size(); ++i) {
    EXPECT_NEAR(times[i], expected[i], 1e-15) << i;
    EXPECT_NEAR(flow_progress(options, times[i]), i / 4.0, 1e-15) << i;
  }
  EXPECT_EQ(shifted_time(0.3, 1), 0.3);
  options.time_shift = 0;
  EXPECT_THROW(flow_time_steps(options), std::invalid_argument);
}

TEST(FlowSde, ScoreFromVelocityIsTheGaussianScore) {
  // x_t ~ N((1 - t) mu, C_t), C_t = (1 - t)^2 Sigma + t^2 I: score = -C_t^-1 (x - (1 - t) mu).
  const auto data = correlated_gaussian_3d();
  torch::manual_seed(21);
  const auto x = torch::randn({5, 3}, torch::kFloat64);
  for (const double t : {0.1, 0.5, 0.9}) {
    const auto C = (1 - t) * (1 - t) * data.Sigma + t * t * torch::eye(3, torch::kFloat64);
    const auto score = -(x - (1 - t) * data.mu).mm(torch::inverse(C));
    const auto v = ideal_velocity(data, x, t);
    EXPECT_TRUE(torch::allclose(flow_score(x, v, t), score, 1e-12, 1e-12)) << t;
    // drift = v - g^2/2 score with g^2 = 2 eta t.
    EXPECT_TRUE(torch::allclose(flow_reverse_sde_drift(x, v, t, 0.7), v - 0.7 * t * score, 1e-12, 1e-12)) << t;
  }
}

// Guidance weights seen along a flow trajectory: main = 1 and guide = 0 make the guided
// velocity equal to the weight at each call.
std::vector<double> weights_along_trajectory(const FlowSamplerOptions& options, const GuidanceSchedule& schedule) {
  const VelocityField one = [](const torch::Tensor& x, double) { return torch::ones_like(x); };
  const VelocityField zero = [](const torch::Tensor& x, double) { return torch::zeros_like(x); };
  const auto guided = guided_denoiser(one, zero, schedule, [options](double t) { return flow_progress(options, t); });
  std::vector<double> weights;
  flow_sample(
      [&](const torch::Tensor& x, double t) {
        const auto v = guided(x, t);
        weights.push_back(v.mean().item<double>());
        return v;
      },
      torch::zeros({1, 2}, torch::kFloat64), options);
  return weights;
}

TEST(FlowGuidance, LinearRampFollowsFlowProgress) {
  FlowSamplerOptions options;
  options.num_steps = 4;
  options.time_shift = 3;  // times 1, 0.9, 0.75, 0.5: progress i / 4 all the same
  GuidanceSchedule schedule;
  schedule.weight = 3;
  schedule.ramp = GuidanceRamp::linear;
  const auto weights = weights_along_trajectory(options, schedule);
  const std::vector<double> expected{1, 1.5, 2, 2.5};  // 1 + (w - 1) i / 4
  ASSERT_EQ(weights.size(), expected.size());
  for (size_t i = 0; i < weights.size(); ++i) EXPECT_NEAR(weights[i], expected[i], 1e-12) << i;
}

TEST(FlowGuidance, IntervalLimitsGuidanceToFlowTimes) {
  FlowSamplerOptions options;
  options.num_steps = 4;
  options.time_shift = 3;
  GuidanceSchedule schedule;
  schedule.weight = 3;
  schedule.interval_low = 0.6;  // guided for t in (0.6, 0.95]: 0.9 and 0.75
  schedule.interval_high = 0.95;
  EXPECT_EQ(weights_along_trajectory(options, schedule), (std::vector<double>{1, 3, 3, 1}));
}

TEST(FlowGuidance, ClassifierFreeGuidanceOfVelocitiesSamplesTheGuidedMean) {
  // Conditional data N(mu_c, Sigma), unconditional N(mu_u, Sigma). The ideal velocity
  // is affine in mu with an x term that does not depend on mu, so
  // v_u + w (v_c - v_u) is the ideal velocity of N(mu_u + w (mu_c - mu_u), Sigma):
  // guided sampling must produce exactly that law, up to Heun's discretisation error.
  const auto conditional = correlated_gaussian_3d();
  const GaussianData unconditional{conditional.mu + torch::tensor({-0.4, 0.2, 0.3}, torch::kFloat64),
                                   conditional.Sigma};
  const double w = 2.5;
  const GaussianData target{unconditional.mu + w * (conditional.mu - unconditional.mu), conditional.Sigma};
  const ConditionalDenoiser net = [&](const torch::Tensor& x, double t, const torch::Tensor& labels) {
    const auto is_conditional = (labels == 1).unsqueeze(1);
    return torch::where(is_conditional, ideal_velocity(conditional, x, t), ideal_velocity(unconditional, x, t));
  };
  FlowSamplerOptions options;
  options.solver = FlowSolver::heun;
  options.num_steps = 64;
  options.time_shift = 3;
  GuidanceSchedule schedule;
  schedule.weight = w;
  const AffineSampler sampler = [&](const torch::Tensor& start, const NoiseSource& noise) {
    const int64_t rows = start.size(0);
    const auto velocity =
        classifier_free_guidance(net, torch::ones({rows}, torch::kInt64), torch::zeros({rows}, torch::kInt64),
                                 schedule, [&](double t) { return flow_progress(options, t); });
    return flow_sample(velocity, start, options, noise);
  };
  const auto law = exact_output_law(sampler, 3, 0);
  // Heun at 64 steps: moment error ~1e-3 (sampler_convergence_test); the unguided
  // means are |mu_c - mu_target| = 0.81 and |mu_u - mu_target| = 1.35 away.
  ::testing::Test::RecordProperty("guided_moment_error", std::to_string(moment_error(law, target)));
  EXPECT_LE(moment_error(law, target), 3e-3) << law.mean << law.cov;
}

}  // namespace
}  // namespace dact::models::flow_sampler_test
