// EDM sampler and guidance against EDM2's edm_sampler run with a closed-form denoiser
// (tests/reference/edm_sampler_gaussian.h5), and analytic checks on Gaussian data.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "models/diffusion/guidance.h"
#include "models/diffusion/sampler_edm.h"
#include "storage/h5_tensor_io.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::models {
namespace {

// The ideal denoiser of data ~ N(0, diag(std^2)): D(x; sigma) = x std^2 / (std^2 + sigma^2).
Denoiser gaussian_denoiser(const torch::Tensor& std) {
  return [variance = std.square()](const torch::Tensor& x, double sigma) {
    return x * variance / (variance + sigma * sigma);
  };
}

using dact::testing::max_relative_error;

class EdmSamplerReference : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = storage::open_h5_for_reading(dact::testing::reference_file("edm_sampler_gaussian.h5"));
    latents_ = storage::read_h5_tensor(file_, "latents");
    main_ = gaussian_denoiser(storage::read_h5_tensor(file_, "std_main"));
    guide_ = gaussian_denoiser(storage::read_h5_tensor(file_, "std_guide"));
  }
  torch::Tensor expected(const std::string& group) { return storage::read_h5_tensor(file_, group + "/output"); }

  H5::H5File file_;
  torch::Tensor latents_;
  Denoiser main_, guide_;
};

TEST_F(EdmSamplerReference, Heun32) {
  EdmSamplerOptions options;
  options.num_steps = 32;
  EXPECT_LE(max_relative_error(edm_sample(main_, latents_, options), expected("heun32")), 1e-9);
}

TEST_F(EdmSamplerReference, Heun8) {
  EdmSamplerOptions options;
  options.num_steps = 8;
  EXPECT_LE(max_relative_error(edm_sample(main_, latents_, options), expected("heun8")), 1e-9);
}

TEST_F(EdmSamplerReference, Heun32Autoguided) {
  EdmSamplerOptions options;
  options.num_steps = 32;
  GuidanceSchedule schedule;
  schedule.weight = 1.7;
  const auto denoiser = guided_denoiser(main_, guide_, schedule,
                                        [&](double sigma) { return edm_progress(options, sigma); });
  EXPECT_LE(max_relative_error(edm_sample(denoiser, latents_, options), expected("heun32_guided")), 1e-9);
}

TEST(EdmSampler, ScheduleEndpointsAndProgress) {
  EdmSamplerOptions options;
  options.num_steps = 5;
  const auto sigmas = edm_sigma_steps(options);
  ASSERT_EQ(sigmas.size(0), 6);
  EXPECT_NEAR(sigmas[0].item<double>(), 80, 1e-12);
  EXPECT_NEAR(sigmas[4].item<double>(), 0.002, 1e-15);
  EXPECT_EQ(sigmas[5].item<double>(), 0);
  EXPECT_NEAR(edm_progress(options, sigmas[2].item<double>()), 0.5, 1e-12);
}

// Data N(0, sigma_d^2): the sampled std must be sigma_d. The ODE maps noise linearly
// here, so the samples' std is sigma_d times a deterministic discretization factor:
// Heun on the rho = 7 grid overshoots by +1.57% at 32 steps and +0.36% at 64 steps for
// sigma_d = 0.5 (+1.27% / +0.29% for sigma_d = 1), so the 1% bound holds from 64 steps.
double sampled_std_ratio(const EdmSamplerOptions& options, double sigma_d) {
  torch::manual_seed(0);
  const auto noise = torch::randn({100000}, torch::kFloat64);
  const auto x = edm_sample(gaussian_denoiser(torch::tensor(sigma_d, torch::kFloat64)), noise, options);
  return x.std().item<double>() / sigma_d;
}

// That factor from the math alone, independent of the sampler's code: with the ideal
// denoiser the ODE dx/dsigma = (x - D(x)) / sigma is dx/dsigma = a(sigma) x with
// a(sigma) = sigma / (sigma_d^2 + sigma^2). One Euler step multiplies x by 1 + h a(t_i),
// one Heun step by 1 + h/2 (a(t_i) + a(t_{i+1}) (1 + h a(t_i))); the last step (to 0)
// is Euler's. x starts at noise * sigma_max on the grid of EDM Eq. 5.
double predicted_gain(int64_t num_steps, double sigma_d) {
  const double rho = 7, sigma_min = 0.002, sigma_max = 80;
  std::vector<double> t;
  for (int64_t i = 0; i < num_steps; ++i) {
    const double f = static_cast<double>(i) / static_cast<double>(num_steps - 1);
    t.push_back(std::pow(std::pow(sigma_max, 1 / rho) + f * (std::pow(sigma_min, 1 / rho) - std::pow(sigma_max, 1 / rho)), rho));
  }
  t.push_back(0);
  const auto a = [&](double sigma) { return sigma / (sigma_d * sigma_d + sigma * sigma); };
  double gain = sigma_max;
  for (int64_t i = 0; i < num_steps; ++i) {
    const double h = t[i + 1] - t[i];
    const double euler = 1 + h * a(t[i]);
    gain *= t[i + 1] > 0 ? 1 + h / 2 * (a(t[i]) + a(t[i + 1]) * euler) : euler;
  }
  return gain;
}

TEST(EdmSampler, HeunSamplesHaveDataStd) {
  EdmSamplerOptions options;
  options.num_steps = 64;
  EXPECT_NEAR(sampled_std_ratio(options, 0.5), 1.0, 0.01);
  EXPECT_NEAR(sampled_std_ratio(options, 1.0), 1.0, 0.01);
}

TEST(EdmSampler, HeunMultipliesNoiseByThePredictedDiscreteGain) {
  torch::manual_seed(0);
  const auto noise = torch::randn({1000}, torch::kFloat64);
  for (const double sigma_d : {0.5, 1.0}) {
    for (const int64_t steps : {8, 32, 64}) {
      EdmSamplerOptions options;
      options.num_steps = steps;
      const auto x = edm_sample(gaussian_denoiser(torch::tensor(sigma_d, torch::kFloat64)), noise, options);
      const double gain = predicted_gain(steps, sigma_d);
      EXPECT_LE(max_relative_error(x, noise * gain), 1e-12) << "sigma_d " << sigma_d << ", " << steps << " steps";
    }
  }
  // The overshoot the comment above states, now from the math: +1.57% at 32 steps.
  EXPECT_NEAR(predicted_gain(32, 0.5) / 0.5, 1.0157, 0.0005);
}

TEST(EdmSampler, StochasticHeunSamplesHaveDataStd) {
  EdmSamplerOptions options;
  options.num_steps = 256;
  options.S_churn = 40;
  options.S_min = 0.05;
  options.S_max = 50;
  options.S_noise = 1.0;
  EXPECT_NEAR(sampled_std_ratio(options, 0.5), 1.0, 0.01);
}

TEST(EdmSampler, EulerConvergesToDataStd) {
  EdmSamplerOptions options;
  options.heun = false;
  options.num_steps = 1024;  // Euler is 1st order: -1.6% at 256 steps, -1.0% at 512
  EXPECT_NEAR(sampled_std_ratio(options, 0.5), 1.0, 0.01);
}

TEST(Guidance, ScheduleWeights) {
  GuidanceSchedule schedule;
  schedule.weight = 3;
  EXPECT_EQ(schedule.weight_at(0.3, 1.0), 3);
  schedule.ramp = GuidanceRamp::linear;
  EXPECT_DOUBLE_EQ(schedule.weight_at(0.0, 1.0), 1);
  EXPECT_DOUBLE_EQ(schedule.weight_at(0.25, 1.0), 1.5);
  EXPECT_DOUBLE_EQ(schedule.weight_at(1.0, 1.0), 3);
  schedule.ramp = GuidanceRamp::constant;
  schedule.interval_low = 0.28;
  schedule.interval_high = 5.42;
  EXPECT_EQ(schedule.weight_at(0.5, 10.0), 1);
  EXPECT_EQ(schedule.weight_at(0.5, 0.1), 1);
  EXPECT_EQ(schedule.weight_at(0.5, 1.0), 3);
}

TEST(Guidance, ClassifierFreeGuidanceCombinesConditionalAndUnconditional) {
  // net(x, sigma, label) = x * (label + 1): guided = u + w (c - u).
  const ConditionalDenoiser net = [](const torch::Tensor& x, double, const torch::Tensor& labels) {
    return x * (labels.to(x.dtype()).unsqueeze(1) + 1);
  };
  GuidanceSchedule schedule;
  schedule.weight = 2.5;
  const auto x = torch::ones({2, 3}, torch::kFloat64);
  const auto denoiser = classifier_free_guidance(net, torch::tensor({1, 3}), torch::tensor({0, 0}), schedule,
                                                 [](double) { return 0.0; });
  const auto d = denoiser(x, 1.0);
  EXPECT_DOUBLE_EQ(d[0][0].item<double>(), 1 + 2.5 * (2 - 1));
  EXPECT_DOUBLE_EQ(d[1][2].item<double>(), 1 + 2.5 * (4 - 1));
}

}  // namespace
}  // namespace dact::models
