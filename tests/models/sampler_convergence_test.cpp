// Convergence of every sampler to Gaussian data N(mu, Sigma) under its closed-form
// ideal predictor (gaussian_oracle.h), at the order its method promises:
//  - deterministic ODE samplers (EDM Euler / Heun, flow Euler / Heun, DDIM with
//    eta = 0): the pathwise error of the final sample against a reference from the same
//    noise, which isolates discretisation from Monte-Carlo error;
//  - stochastic samplers (flow stochastic Euler, DDPM ancestral, DDIM with eta 0.5 and 1): the
//    weak error of the output's mean and covariance, read exactly off the affine map
//    the sampler is (exact_output_law), plus a Monte-Carlo run whose sample moments must
//    agree with it within tolerances derived from the sample size.
// Measured (fitted over 4 step counts, pathwise / weak): EDM Euler 1.00 / 0.93, EDM
// Heun 2.22 / 2.12, flow Euler 1.00 / 0.97 (shift 3: 0.98 / 0.95), flow Heun 1.94 /
// 1.96 (shift 3: 1.97 / 2.02), DDIM 1.00 / 0.95 (cosine 1.01 / 0.99); weak only: flow
// stochastic Euler 0.95 (shift 3: 0.94), DDPM ancestral 0.86 (linear) / 0.92 (cosine),
// DDIM eta 0.5 0.97. The weak orders of the stochastic samplers approach 1 from below
// as the steps grow.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/diffusion/ddpm_diffusion.h"
#include "models/diffusion/flow_sampler.h"
#include "models/diffusion/sampler_edm.h"
#include "tests/models/gaussian_oracle.h"

// A namespace of its own, so the using-directive stays out of the other files of this
// folder's unity batch.
namespace dact::models::sampler_convergence {
namespace {

using namespace gaussian_oracle;  // NOLINT: the test's vocabulary

// Fresh noise rows for the data's dimension from a fixed seed: common random numbers
// for every step count.
torch::Tensor convergence_noise(int64_t rows, int64_t dims, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randn({rows, dims}, torch::kFloat64);
}

AffineSampler edm_ideal_sampler(const GaussianData& data, int64_t steps, bool heun) {
  EdmSamplerOptions options;
  options.num_steps = steps;
  options.heun = heun;
  return [data, options](const torch::Tensor& start, const NoiseSource& noise) {
    return edm_sample([&](const torch::Tensor& x, double sigma) { return ideal_denoiser(data, x, sigma); }, start,
                      options, noise);
  };
}

AffineSampler flow_ideal_sampler(const GaussianData& data, FlowSolver solver, int64_t steps, double time_shift) {
  FlowSamplerOptions options;
  options.solver = solver;
  options.num_steps = steps;
  options.time_shift = time_shift;
  return [data, options](const torch::Tensor& start, const NoiseSource& noise) {
    return flow_sample([&](const torch::Tensor& x, double t) { return ideal_velocity(data, x, t); }, start, options,
                       noise);
  };
}

// alpha-bar of the full T = 1000 schedule, the table the model's ORIGINAL timesteps index.
std::vector<double> full_schedule_alphas_cumprod(BetaSchedule schedule) {
  std::vector<double> abar;
  double product = 1;
  for (const double beta : named_beta_schedule(schedule, 1000)) abar.push_back(product *= 1 - beta);
  return abar;
}

DdpmModel ideal_eps_model(const GaussianData& data, BetaSchedule schedule) {
  return [data, abar = full_schedule_alphas_cumprod(schedule)](const torch::Tensor& x, const torch::Tensor& t) {
    return ideal_eps(data, x, abar.at(t[0].item<int64_t>()));
  };
}

enum class DdpmLoop { ancestral, ddim };

AffineSampler ddpm_ideal_sampler(const GaussianData& data, BetaSchedule schedule, int64_t steps, DdpmLoop loop,
                                 double eta) {
  const GaussianDiffusion diffusion({schedule, 1000, std::to_string(steps), DdpmVariance::fixed_small});
  const auto model = ideal_eps_model(data, schedule);
  return [=](const torch::Tensor& start, const NoiseSource& noise) {
    return loop == DdpmLoop::ancestral ? diffusion.p_sample_loop(model, start, 1.0, noise)
                                       : diffusion.ddim_sample_loop(model, start, eta, noise);
  };
}

// The exact continuous-time limit of DDIM (eta = 0) from x_T: DDIM is Euler's method on
// the ODE in xbar = x / sqrt(abar), sigma = sqrt((1 - abar) / abar) (Song et al. 2021,
// Eq. 14), whose exact solution exact_ode_transport gives; its last step, from the
// smallest kept timestep (original t = 0) to abar = 1, returns E[x0 | x_0] exactly.
torch::Tensor ddim_exact_limit(const GaussianData& data, BetaSchedule schedule, const torch::Tensor& x_T) {
  const auto abar = full_schedule_alphas_cumprod(schedule);
  const double abar_T = abar.back(), abar_0 = abar.front();
  const auto sigma_of = [](double a) { return std::sqrt((1 - a) / a); };
  const auto xbar_0 = exact_ode_transport(data, x_T / std::sqrt(abar_T), sigma_of(abar_T), sigma_of(abar_0));
  return ideal_denoiser(data, xbar_0, sigma_of(abar_0));
}

// Step noise for deterministic runs: DDIM with eta = 0 draws it (as the reference
// does) and scales it by zero.
torch::Tensor zero_step_noise(const torch::Tensor& like) { return torch::zeros_like(like); }
const NoiseSource kNoNoise = zero_step_noise;

// What a method promises: the range its fitted order must fall in, and a cap on the
// moment error |mean - mu| + |cov - Sigma|_F at the finest step count (Sigma's
// Frobenius norm is 1.2: 8% for first-order samplers at 80-200 steps, 1.7% for Heun
// at 64-128).
struct PromisedOrder {
  double min_order, max_order, max_final_moment_error;
};
constexpr PromisedOrder kFirstOrder{0.8, 1.3, 0.1};
constexpr PromisedOrder kSecondOrder{1.6, 2.6, 0.02};

struct PathwiseCase {
  std::string name;
  std::function<AffineSampler(int64_t steps)> sampler;
  std::vector<int64_t> steps;
  // The reference end point from the same noise.
  std::function<torch::Tensor(const torch::Tensor& noise)> reference;
  PromisedOrder promised;
  int64_t noise_calls_per_step = 0;  // DDIM draws (and zeroes) noise at every step
};

// Pathwise errors at each step count and their fitted order; the weak error of the
// output law N(c, A A^T) must fall at the same order and be small at the finest count.
void expect_pathwise_order(const PathwiseCase& c, const GaussianData& data) {
  const auto noise = convergence_noise(1000, data.dims(), 11);
  const auto reference = c.reference(noise);
  std::vector<double> errors, moment_errors;
  std::string trace = c.name + ", steps:pathwise/moment error";
  for (const int64_t steps : c.steps) {
    errors.push_back(rms_error(c.sampler(steps)(noise, kNoNoise), reference));
    moment_errors.push_back(
        moment_error(exact_output_law(c.sampler(steps), data.dims(), c.noise_calls_per_step * steps), data));
    trace += " " + std::to_string(steps) + ":" + std::to_string(errors.back()) + "/" +
             std::to_string(moment_errors.back());
  }
  const double order = fitted_order(c.steps, errors), weak_order = fitted_order(c.steps, moment_errors);
  ::testing::Test::RecordProperty(c.name + "_order", std::to_string(order));
  ::testing::Test::RecordProperty(c.name + "_weak_order", std::to_string(weak_order));
  ::testing::Test::RecordProperty(c.name + "_errors", trace);
  for (const double fitted : {order, weak_order}) {
    EXPECT_GE(fitted, c.promised.min_order) << trace;
    EXPECT_LE(fitted, c.promised.max_order) << trace;
  }
  EXPECT_LE(moment_errors.back(), c.promised.max_final_moment_error) << trace;
}

// The reference of an ODE sampler: its own run with many more steps.
std::function<torch::Tensor(const torch::Tensor&)> fine_run(const std::function<AffineSampler(int64_t)>& sampler,
                                                            int64_t steps) {
  return [sampler, steps](const torch::Tensor& noise) { return sampler(steps)(noise, kNoNoise); };
}

TEST(DeterministicSamplerOrder, EdmEulerIsFirstOrder) {
  const auto data = correlated_gaussian_3d();
  const auto sampler = [&](int64_t n) { return edm_ideal_sampler(data, n, false); };
  expect_pathwise_order({"edm_euler", sampler, {16, 32, 64, 128}, fine_run(sampler, 4096), kFirstOrder}, data);
}

TEST(DeterministicSamplerOrder, EdmHeunIsSecondOrder) {
  const auto data = correlated_gaussian_3d();
  const auto sampler = [&](int64_t n) { return edm_ideal_sampler(data, n, true); };
  expect_pathwise_order({"edm_heun", sampler, {8, 16, 32, 64}, fine_run(sampler, 1024), kSecondOrder}, data);
}

// Both time grids: uniform and SD3's shift 3.
void expect_flow_order(FlowSolver solver, const std::string& name, int64_t fine_steps,
                       const PromisedOrder& promised) {
  const auto data = correlated_gaussian_3d();
  for (const double shift : {1.0, 3.0}) {
    const std::function<AffineSampler(int64_t)> sampler = [&](int64_t n) {
      return flow_ideal_sampler(data, solver, n, shift);
    };
    expect_pathwise_order({name + "_shift" + std::to_string(int(shift)), sampler, {16, 32, 64, 128},
                           fine_run(sampler, fine_steps), promised},
                          data);
  }
}

TEST(DeterministicSamplerOrder, FineReferencesMatchTheExactOde) {
  // EDM: exact transport from sigma_max to sigma_min, then the last (Euler) step to 0,
  // which returns D(x; sigma_min). Flow: x_0 = mu + Sigma^(1/2) x_1 (C_1 = I, C_0 = Sigma).
  const auto data = correlated_gaussian_3d();
  const auto noise = convergence_noise(1000, data.dims(), 11);
  const EdmSamplerOptions edm;
  const auto edm_exact =
      ideal_denoiser(data, exact_ode_transport(data, noise * edm.sigma_max, edm.sigma_max, edm.sigma_min),
                     edm.sigma_min);
  // Bounds: the errors at 64 (Heun) and 128 (Euler) steps scaled down by the order,
  // with a factor 2 of slack.
  EXPECT_LE(rms_error(edm_ideal_sampler(data, 1024, true)(noise, kNoNoise), edm_exact), 3e-5);
  EXPECT_LE(rms_error(edm_ideal_sampler(data, 4096, false)(noise, kNoNoise), edm_exact), 1.6e-3);
  const auto flow_exact = data.mu + noise.mm(symmetric_power(data.Sigma, 0.5));
  EXPECT_LE(rms_error(flow_ideal_sampler(data, FlowSolver::heun, 1024, 1)(noise, kNoNoise), flow_exact), 1e-5);
  EXPECT_LE(rms_error(flow_ideal_sampler(data, FlowSolver::heun, 1024, 3)(noise, kNoNoise), flow_exact), 1e-5);
}

TEST(DeterministicSamplerOrder, FlowEulerIsFirstOrder) {
  expect_flow_order(FlowSolver::euler, "flow_euler", 4096, kFirstOrder);
}

TEST(DeterministicSamplerOrder, FlowHeunIsSecondOrder) {
  expect_flow_order(FlowSolver::heun, "flow_heun", 1024, kSecondOrder);
}

TEST(DeterministicSamplerOrder, DdimIsFirstOrder) {
  // DDIM cannot be refined past the T = 1000 chain, so the reference is the exact
  // continuous-time limit of its ODE.
  const auto data = correlated_gaussian_3d();
  for (const auto schedule : {BetaSchedule::linear, BetaSchedule::cosine}) {
    const auto sampler = [&](int64_t n) { return ddpm_ideal_sampler(data, schedule, n, DdpmLoop::ddim, 0); };
    const std::string name = schedule == BetaSchedule::linear ? "ddim_linear" : "ddim_cosine";
    expect_pathwise_order(
        {name, sampler, {10, 20, 40, 80},
         [&](const torch::Tensor& noise) { return ddim_exact_limit(data, schedule, noise); }, kFirstOrder, 1},
        data);
  }
}

// Weak convergence of a stochastic sampler: the exact output law's distance from
// (mu, Sigma) falls at order ~1, and at the finest step count a Monte-Carlo run's
// sample moments match that law (and the data) within 5 standard errors of n samples.
struct WeakCase {
  std::string name;
  std::function<AffineSampler(int64_t steps)> sampler;
  std::vector<int64_t> steps;
  int64_t noise_calls_per_step = 1;
  double max_final_moment_error;
};

// Fresh standard normal step noise from a seeded generator.
NoiseSource seeded_step_noise(uint64_t seed) {
  auto generator = std::make_shared<at::Generator>(at::detail::createCPUGenerator(seed));
  return [generator](const torch::Tensor& like) {
    return torch::randn(like.sizes(), *generator, like.options());
  };
}

void expect_weak_order(const WeakCase& c, const GaussianData& data) {
  std::vector<double> errors;
  std::string trace;
  OutputLaw finest;
  for (const int64_t steps : c.steps) {
    finest = exact_output_law(c.sampler(steps), data.dims(), c.noise_calls_per_step * steps);
    errors.push_back(moment_error(finest, data));
    trace += " " + std::to_string(steps) + ":" + std::to_string(errors.back());
  }
  const double order = fitted_order(c.steps, errors);
  ::testing::Test::RecordProperty(c.name + "_weak_order", std::to_string(order));
  ::testing::Test::RecordProperty(c.name + "_errors", trace);
  EXPECT_GE(order, 0.8) << c.name << trace;
  EXPECT_LE(order, 1.3) << c.name << trace;
  EXPECT_LE(errors.back(), c.max_final_moment_error) << c.name << trace;

  const int64_t n = 20000;
  const auto x = c.sampler(c.steps.back())(convergence_noise(n, data.dims(), 12), seeded_step_noise(13));
  const auto sample = sample_moments(x);
  const auto standard_error = moment_standard_errors(finest.cov, n);
  // The runs follow the law read off by probing ...
  EXPECT_TRUE(((sample.mean - finest.mean).abs() <= 5 * standard_error.mean).all().item<bool>())
      << c.name << ": sample mean " << sample.mean << " vs " << finest.mean;
  EXPECT_TRUE(((sample.cov - finest.cov).abs() <= 5 * standard_error.cov).all().item<bool>())
      << c.name << ": sample covariance " << sample.cov << " vs " << finest.cov;
  // ... and so the data's, up to the law's remaining bias.
  EXPECT_TRUE(((sample.mean - data.mu).abs() <= 5 * standard_error.mean + (finest.mean - data.mu).abs())
                  .all()
                  .item<bool>())
      << c.name << ": sample mean " << sample.mean << " vs mu " << data.mu;
  EXPECT_TRUE(((sample.cov - data.Sigma).abs() <= 5 * standard_error.cov + (finest.cov - data.Sigma).abs())
                  .all()
                  .item<bool>())
      << c.name << ": sample covariance " << sample.cov << " vs Sigma " << data.Sigma;
}

TEST(StochasticSamplerWeakOrder, FlowStochasticEulerIsFirstOrder) {
  const auto data = correlated_gaussian_3d();
  for (const double shift : {1.0, 3.0}) {
    expect_weak_order({"flow_stochastic_euler_shift" + std::to_string(int(shift)),
                       [&](int64_t n) { return flow_ideal_sampler(data, FlowSolver::stochastic_euler, n, shift); },
                       {16, 32, 64, 128}, 1, kFirstOrder.max_final_moment_error},
                      data);
  }
}

TEST(StochasticSamplerWeakOrder, DdpmAncestralIsFirstOrder) {
  const auto data = correlated_gaussian_3d();
  for (const auto schedule : {BetaSchedule::linear, BetaSchedule::cosine}) {
    expect_weak_order({schedule == BetaSchedule::linear ? "ddpm_linear" : "ddpm_cosine",
                       [&](int64_t n) { return ddpm_ideal_sampler(data, schedule, n, DdpmLoop::ancestral, 0); },
                       {25, 50, 100, 200}, 1, kFirstOrder.max_final_moment_error},
                      data);
  }
}

TEST(StochasticSamplerWeakOrder, DdimWithNoiseIsFirstOrder) {
  const auto data = correlated_gaussian_3d();
  for (const double eta : {0.5, 1.0}) {
    expect_weak_order({std::string(eta == 1 ? "ddim_cosine_eta1" : "ddim_cosine_eta0.5"),
                       [&](int64_t n) { return ddpm_ideal_sampler(data, BetaSchedule::cosine, n, DdpmLoop::ddim, eta); },
                       {25, 50, 100, 200}, 1, kFirstOrder.max_final_moment_error},
                      data);
  }
}

// The stochastic Euler step without the score term of the drift: noise g dW is added
// but nothing takes it out again.
torch::Tensor flow_uncorrected_stochastic_euler(const GaussianData& data, const FlowSamplerOptions& options,
                                                const torch::Tensor& start, const NoiseSource& noise) {
  const auto times = flow_time_steps(options);
  const auto time = times.accessor<double, 1>();
  auto x = start;
  for (int64_t i = 0; i < options.num_steps; ++i) {
    const double t = time[i], dt = time[i + 1] - t;
    x = x + dt * ideal_velocity(data, x, t);
    if (i < options.num_steps - 1) x = x + flow_sde_diffusion(t, options.eta) * std::sqrt(-dt) * noise(x);
  }
  return x;
}

TEST(FlowStochasticEulerDriftCorrection, WithoutTheScoreTermTheCovarianceIsWrong) {
  const auto data = correlated_gaussian_3d();
  FlowSamplerOptions options;
  options.solver = FlowSolver::stochastic_euler;
  options.num_steps = 128;
  options.eta = 1;
  const int64_t n = 20000;
  const auto start = convergence_noise(n, data.dims(), 14);
  const auto corrected = sample_moments(
      flow_sample([&](const torch::Tensor& x, double t) { return ideal_velocity(data, x, t); }, start, options,
                  seeded_step_noise(15)));
  const auto uncorrected =
      sample_moments(flow_uncorrected_stochastic_euler(data, options, start, seeded_step_noise(15)));
  const auto standard_error = moment_standard_errors(data.Sigma, n);
  // Relative error of the covariance: a few percent (the step's bias) with the
  // correction; without it the injected variance roughly doubles the data's.
  const auto relative = [&](const OutputLaw& law) {
    return ((law.cov - data.Sigma).norm() / data.Sigma.norm()).item<double>();
  };
  ::testing::Test::RecordProperty("corrected_relative_cov_error", std::to_string(relative(corrected)));
  ::testing::Test::RecordProperty("uncorrected_relative_cov_error", std::to_string(relative(uncorrected)));
  EXPECT_LE(relative(corrected), 0.05);
  EXPECT_GE(relative(uncorrected), 0.5);
  EXPECT_TRUE(((uncorrected.cov - data.Sigma).abs().diagonal() > 20 * standard_error.cov.diagonal())
                  .all()
                  .item<bool>())
      << uncorrected.cov;
}

}  // namespace
}  // namespace dact::models::sampler_convergence
