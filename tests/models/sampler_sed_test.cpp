// The second-order stochastic sampler (sampler_sed.h) on Gaussian data N(mu, Sigma)
// with the closed-form denoiser (gaussian_oracle.h), where D is affine in x and the
// Ito-Taylor step has strong order 1.5:
//  - its output law, read exactly off the affine map it is, converges to the data's;
//  - its strong error against a fine-step solution on the same Brownian path falls
//    faster with the step than Euler-Maruyama's (order ~1 for additive noise), and without
//    its correction term it falls no faster;
//  - the forward-mode JVP agrees with the closed form and a central difference, also
//    through EDM2's network, and an op without forward-mode AD falls back.
// Measured (S_churn = 1, 16..128 steps, reference 2048 steps): see the test
// properties sed_strong_order / euler_maruyama_strong_order.
#include <glog/logging.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "models/diffusion/denoiser_jvp.h"
#include "models/diffusion/sampler_sed.h"
#include "models/edm2/edm2_configs.h"
#include "models/edm2/edm2_precond.h"
#include "tests/models/gaussian_oracle.h"

namespace dact::models::sed_sampler_test {
namespace {

using namespace gaussian_oracle;  // NOLINT: the test's vocabulary

// The ideal denoiser, differentiable in sigma_batch (which holds one sigma).
BatchSigmaDenoiser ideal_batch_denoiser(const GaussianData& data) {
  return [data](const torch::Tensor& x, double, const torch::Tensor& sigma_batch) {
    return ideal_denoiser_differentiable(data, x, sigma_batch[0]);
  };
}

// Its derivative along (dx, dsigma), by hand.
torch::Tensor ideal_denoiser_tangent(const GaussianData& data, const torch::Tensor& x, double sigma,
                                     const torch::Tensor& dx, double dsigma) {
  const auto [lambda, V] = torch::linalg::eigh(data.Sigma, "L");
  const auto shrink = lambda / (lambda + sigma * sigma);
  const auto dshrink_dsigma = -2 * sigma * lambda / (lambda + sigma * sigma).square();
  return (dx.mm(V) * shrink + (x - data.mu).mm(V) * dshrink_dsigma * dsigma).mm(V.t());
}

SedSamplerOptions sed_options(int64_t intervals, double churn, bool correction = true) {
  SedSamplerOptions options;
  options.num_steps = intervals + 1;  // the last step (sigma_min -> 0) is not an SDE interval
  options.S_churn = churn;
  options.ito_taylor_correction = correction;
  return options;
}

constexpr double kChurn = 1;

torch::Tensor sed_ideal(const GaussianData& data, const SedSamplerOptions& options, const torch::Tensor& start,
                        const BrownianSource& brownian) {
  const auto D = ideal_batch_denoiser(data);
  return sed_sample(plain_denoiser(D), forward_mode_jvp(D), start, options, brownian);
}

// Euler-Maruyama on the same SDE: x += -k f h + g dW at sigma_i, then EDM's last step.
torch::Tensor euler_maruyama_ideal(const GaussianData& data, const SedSamplerOptions& o, const torch::Tensor& start,
                                   const BrownianSource& brownian) {
  const auto levels = o.steps();
  const auto sigma = levels.accessor<double, 1>();
  auto x = start * sigma[0];
  for (int64_t i = 0; i < o.num_steps - 1; ++i) {
    const double h = sigma[i] - sigma[i + 1];
    const SedCoefficients at = sed_coefficients(o, o.adds_noise_at(sigma[i]) ? o.S_churn : 0.0, sigma[i]);
    const auto f = (x - ideal_denoiser(data, x, sigma[i])) / sigma[i];
    x = x - at.k * h * f + at.g * brownian(x, h).dW;
  }
  return ideal_denoiser(data, x, sigma[o.num_steps - 1]);
}

// One Brownian path per row on the fine grid of `fine_intervals` steps (in sigma, the
// SDE's time) between the rho-schedule's levels, and the (dW, dZ) of any coarser
// grid that nests in it (every (fine / coarse)-th level):
//   dW = sum_j dW_j,  dZ = sum_j ((W_{j-1} - W_start) h_j + dZ_j).
class FineBrownianPath {
 public:
  FineBrownianPath(int64_t rows, int64_t dims, int64_t fine_intervals, uint64_t seed)
      : fine_intervals_(fine_intervals), fine_h_(step_lengths(fine_intervals)) {
    torch::manual_seed(seed);
    const auto draw = brownian_increments(
        [](const torch::Tensor& like) { return torch::randn(like.sizes(), like.options()); });
    const auto like = torch::zeros({rows, dims}, torch::kFloat64);
    for (const double h : fine_h_) fine_.push_back(draw(like, h));
  }

  BrownianSource coarse(int64_t intervals) const {
    const int64_t per_step = fine_intervals_ / intervals;
    EXPECT_EQ(per_step * intervals, fine_intervals_);
    auto steps = std::make_shared<std::vector<BrownianIncrement>>();
    for (int64_t k = 0; k < intervals; ++k) {
      auto W = torch::zeros_like(fine_[0].dW), Z = torch::zeros_like(fine_[0].dZ);
      for (int64_t j = k * per_step; j < (k + 1) * per_step; ++j) {
        Z = Z + W * fine_h_[j] + fine_[j].dZ;
        W = W + fine_[j].dW;
      }
      steps->push_back({W, Z});
    }
    auto next = std::make_shared<size_t>(0);
    const auto h = std::make_shared<std::vector<double>>(step_lengths(intervals));
    return [steps, next, h](const torch::Tensor&, double dt) {
      EXPECT_NEAR(dt, h->at(*next), 1e-12 * h->at(*next));
      return steps->at((*next)++);
    };
  }

 private:
  // h_j = sigma_j - sigma_{j+1} of the SDE intervals (the last step, to 0, is not one).
  static std::vector<double> step_lengths(int64_t intervals) {
    SedSamplerOptions o;
    o.num_steps = intervals + 1;
    const auto levels = o.steps();
    std::vector<double> h;
    for (int64_t j = 0; j < intervals; ++j) h.push_back(levels[j].item<double>() - levels[j + 1].item<double>());
    return h;
  }

  int64_t fine_intervals_;
  std::vector<double> fine_h_;
  std::vector<BrownianIncrement> fine_;
};

const std::vector<int64_t> kIntervals{16, 32, 64, 128};
constexpr int64_t kFineIntervals = 2048;

struct StrongErrors {
  std::vector<double> errors;
  double order;
  std::string trace;
};

using SdeSolver = std::function<torch::Tensor(const GaussianData&, const SedSamplerOptions&, const torch::Tensor&,
                                              const BrownianSource&)>;

StrongErrors strong_errors(const SdeSolver& solver, bool correction, const std::string& name) {
  const auto data = correlated_gaussian_3d();
  const FineBrownianPath path(1000, data.dims(), kFineIntervals, 21);
  torch::manual_seed(22);
  const auto start = torch::randn({1000, data.dims()}, torch::kFloat64);
  const auto reference =
      sed_ideal(data, sed_options(kFineIntervals, kChurn), start, path.coarse(kFineIntervals));
  StrongErrors result;
  result.trace = name + ", intervals:rms error";
  for (const int64_t n : kIntervals) {
    result.errors.push_back(rms_error(solver(data, sed_options(n, kChurn, correction), start, path.coarse(n)), reference));
    result.trace += " " + std::to_string(n) + ":" + std::to_string(result.errors.back());
  }
  result.order = fitted_order(kIntervals, result.errors);
  ::testing::Test::RecordProperty(name + "_strong_order", std::to_string(result.order));
  ::testing::Test::RecordProperty(name + "_errors", result.trace);
  return result;
}

// At least what order 1.5 promises, with room for the fit over 16..128 steps. With
// Gaussian data the drift is affine in x and the noise additive, so the terms the
// scheme leaves out vanish to one order more: it measures ~2.0.
bool has_strong_order_one_and_a_half(double order) { return order >= 1.3 && order <= 2.6; }

TEST(SedStrongOrder, FallsFasterThanEulerMaruyama) {
  const auto sed = strong_errors(sed_ideal, true, "sed");
  const auto em = strong_errors(euler_maruyama_ideal, true, "euler_maruyama");
  EXPECT_TRUE(has_strong_order_one_and_a_half(sed.order)) << sed.order << sed.trace;
  // Order 1 for additive noise, measured 1.02 over 16..128 steps.
  EXPECT_GE(em.order, 0.7) << em.trace;
  EXPECT_LE(em.order, 1.2) << em.trace;
  EXPECT_GE(sed.order, em.order + 0.3) << sed.trace << "\n" << em.trace;
  EXPECT_LT(sed.errors.back(), em.errors.back()) << sed.trace << "\n" << em.trace;
}

TEST(SedStrongOrder, WithoutTheCorrectionTheOrderTestFails) {
  const auto first_order = strong_errors(sed_ideal, false, "sed_without_correction");
  EXPECT_FALSE(has_strong_order_one_and_a_half(first_order.order)) << first_order.trace;
  EXPECT_LE(first_order.order, 1.2) << first_order.trace;
}

TEST(SedStrongOrder, TheFineReferenceSolvesTheSde) {
  // Euler-Maruyama, an independent solver, approaches the same fine solution: at 2048
  // steps its error is far below the coarse runs' (order 1: ~1/16 of the 128-step error).
  const auto data = correlated_gaussian_3d();
  const FineBrownianPath path(1000, data.dims(), kFineIntervals, 21);
  torch::manual_seed(22);
  const auto start = torch::randn({1000, data.dims()}, torch::kFloat64);
  const auto sed = sed_ideal(data, sed_options(kFineIntervals, kChurn), start, path.coarse(kFineIntervals));
  const auto em_fine =
      euler_maruyama_ideal(data, sed_options(kFineIntervals, kChurn), start, path.coarse(kFineIntervals));
  const auto em_coarse = euler_maruyama_ideal(data, sed_options(128, kChurn), start, path.coarse(128));
  const double fine = rms_error(em_fine, sed), coarse = rms_error(em_coarse, sed);
  ::testing::Test::RecordProperty("euler_maruyama_2048_vs_reference", std::to_string(fine));
  EXPECT_LE(fine, coarse / 8) << fine << " vs " << coarse;
}

// Exact law of the output (gaussian_oracle.h): two normal draws per noisy step.
OutputLaw sed_law(const GaussianData& data, int64_t intervals, double churn) {
  return exact_output_law(
      [&](const torch::Tensor& start, const NoiseSource& noise) {
        return sed_ideal(data, sed_options(intervals, churn), start, brownian_increments(noise));
      },
      data.dims(), 2 * intervals);
}

TEST(SedWeakConvergence, OutputCovarianceConvergesToTheData) {
  const auto data = correlated_gaussian_3d();
  std::vector<double> errors;
  std::string trace = "intervals:moment error";
  for (const int64_t n : kIntervals) {
    errors.push_back(moment_error(sed_law(data, n, kChurn), data));
    trace += " " + std::to_string(n) + ":" + std::to_string(errors.back());
  }
  const double order = fitted_order(kIntervals, errors);
  ::testing::Test::RecordProperty("sed_weak_order", std::to_string(order));
  ::testing::Test::RecordProperty("sed_moment_errors", trace);
  for (size_t k = 1; k < errors.size(); ++k) EXPECT_LT(errors[k], errors[k - 1]) << trace;
  EXPECT_GE(order, 1.5) << trace;
  // Sigma's Frobenius norm is 1.2: within 1.2% at 128 steps (measured 0.7%).
  EXPECT_LE(errors.back(), 0.015) << trace;
}

TEST(SedWeakConvergence, DeterministicSedIsSecondOrderOnTheOde) {
  // S_churn = 0: the second-order Taylor method on the probability-flow ODE, against
  // its exact solution (then EDM's last step).
  const auto data = correlated_gaussian_3d();
  torch::manual_seed(23);
  const auto noise = torch::randn({1000, data.dims()}, torch::kFloat64);
  const SedSamplerOptions o = sed_options(8, 0);
  const auto exact =
      ideal_denoiser(data, exact_ode_transport(data, noise * o.sigma_max, o.sigma_max, o.sigma_min), o.sigma_min);
  std::vector<double> errors;
  std::string trace = "intervals:rms error";
  for (const int64_t n : kIntervals) {
    errors.push_back(rms_error(sed_ideal(data, sed_options(n, 0), noise, brownian_increments(standard_normal_like)),
                               exact));
    trace += " " + std::to_string(n) + ":" + std::to_string(errors.back());
  }
  const double order = fitted_order(kIntervals, errors);
  ::testing::Test::RecordProperty("sed_deterministic_order", std::to_string(order));
  ::testing::Test::RecordProperty("sed_deterministic_errors", trace);
  // At least second order (measured 2.9: stepping in sigma follows the ODE's linear
  // part exactly, and the rest falls faster than h^2 over these step counts).
  EXPECT_GE(order, 1.8) << trace;
}

// The glog warnings logged while it lives.
class WarningCapture : public google::LogSink {
 public:
  WarningCapture() { google::AddLogSink(this); }
  ~WarningCapture() override { google::RemoveLogSink(this); }
  void send(google::LogSeverity severity, const char*, const char*, int, const struct ::tm*, const char* message,
            size_t length) override {
    if (severity == google::GLOG_WARNING) text_.append(message, length).append("\n");
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

TEST(DenoiserJvp, ForwardModeMatchesTheClosedFormAndACentralDifference) {
  const auto data = correlated_gaussian_3d();
  torch::manual_seed(24);
  const auto x = torch::randn({5, 3}, torch::kFloat64), dx = torch::randn({5, 3}, torch::kFloat64);
  const double sigma = 0.7, dsigma = -0.3;
  const auto D = ideal_batch_denoiser(data);
  const auto forward = forward_mode_jvp(D)(x, sigma, dx, dsigma);
  const auto expected = ideal_denoiser_tangent(data, x, sigma, dx, dsigma);
  EXPECT_TRUE(torch::allclose(forward.D, ideal_denoiser(data, x, sigma), 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(forward.dD, expected, 1e-12, 1e-12)) << forward.dD << expected;
  const auto difference = central_difference_jvp(D, x, sigma, dx, dsigma);
  EXPECT_TRUE(torch::allclose(difference.dD, expected, 1e-8, 1e-8)) << difference.dD << expected;
}

TEST(DenoiserJvp, AnOpWithoutForwardModeAdFallsBackToTheCentralDifference) {
  // logcumsumexp has no forward-mode formula in LibTorch 1.13; it adds 0 here.
  const auto data = correlated_gaussian_3d();
  const auto ideal = ideal_batch_denoiser(data);
  const BatchSigmaDenoiser with_unsupported_op = [&](const torch::Tensor& x, double sigma, const torch::Tensor& s) {
    return ideal(x, sigma, s) + 0 * x.logcumsumexp(1);
  };
  torch::manual_seed(25);
  const auto x = torch::randn({4, 3}, torch::kFloat64), dx = torch::randn({4, 3}, torch::kFloat64);
  const WarningCapture warnings;
  const auto jvp = forward_mode_jvp(with_unsupported_op);
  for (int call = 0; call < 2; ++call) {  // the second call goes straight to the difference
    const auto result = jvp(x, 1.3, dx, 0.2);
    EXPECT_TRUE(torch::allclose(result.dD, ideal_denoiser_tangent(data, x, 1.3, dx, 0.2), 1e-8, 1e-8));
    EXPECT_TRUE(torch::allclose(result.D, ideal_denoiser(data, x, 1.3), 1e-12, 1e-12));
  }
  EXPECT_NE(warnings.text().find("op logcumsumexp has no forward-mode AD"), std::string::npos) << warnings.text();
}

TEST(DenoiserJvp, ThroughEdm2sNetworkForwardModeMatchesReverseModeAndACentralDifference) {
  // Every layer of EDM2's U-Net has a forward-mode formula (no fallback, no warning).
  // The network computes in float32 (as the reference), so the exact check is reverse
  // mode: u . (J v) = (J^T u) . v for a random u; a float32 central difference agrees
  // to its rounding and truncation error (measured 8e-6 relative).
  torch::manual_seed(26);
  Edm2Precond net(edm2_named_config("edm2-fashion-tiny"));
  net->eval();
  const auto labels = torch::one_hot(torch::tensor({1, 7}), 10).to(torch::kFloat32);
  const BatchSigmaDenoiser D = [&](const torch::Tensor& x, double, const torch::Tensor& sigma) {
    return net->forward(x, sigma, labels).D;
  };
  const auto x = torch::randn({2, 1, 32, 32}), dx = torch::randn_like(x), u = torch::randn_like(x);
  const double sigma = 1.5, dsigma = 0.4;
  DenoiserTangent forward;
  {
    const WarningCapture warnings;
    torch::NoGradGuard no_grad;
    forward = forward_mode_jvp(D)(x, sigma, dx, dsigma);
    EXPECT_EQ(warnings.text(), "");
  }
  const auto x_r = x.clone().requires_grad_(), sigma_r = torch::full({2}, sigma).requires_grad_();
  (net->forward(x_r, sigma_r, labels).D * u).sum().backward();
  const double along_forward = (u * forward.dD).sum().item<double>();
  const double along_reverse = (x_r.grad() * dx).sum().item<double>() + sigma_r.grad().sum().item<double>() * dsigma;
  EXPECT_NEAR(along_forward, along_reverse, 1e-4 * (u * forward.dD).abs().sum().item<double>());

  torch::NoGradGuard no_grad;
  const auto difference = central_difference_jvp(D, x, sigma, dx, dsigma);
  const double relative = ((forward.dD - difference.dD).norm() / difference.dD.norm()).item<double>();
  ::testing::Test::RecordProperty("edm2_jvp_vs_float32_difference", std::to_string(relative));
  EXPECT_LE(relative, 1e-3);
  EXPECT_TRUE(torch::equal(forward.D, difference.D));
}

}  // namespace
}  // namespace dact::models::sed_sampler_test
