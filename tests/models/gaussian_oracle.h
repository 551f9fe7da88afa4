#pragma once
// Closed-form ideal predictors of Gaussian data for sampler tests, and the exact law
// of a sampler's output when it is driven by them.
//
// Data x0 ~ N(mu, Sigma) in d dimensions (rows of [n, d], float64). Every forward
// process used here is a linear interpolant x = a x0 + b eps, eps ~ N(0, I):
//   EDM           a = 1,             b = sigma
//   flow          a = 1 - t,         b = t
//   DDPM          a = sqrt(abar),    b = sqrt(1 - abar)
// so one Gaussian conditioning gives every ideal predictor. x is Gaussian with mean
// a mu and covariance C = a^2 Sigma + b^2 I; Cov(x0, x) = a Sigma, Cov(eps, x) = b I, so
//   E[x0 | x]  = mu + a Sigma C^-1 (x - a mu),
//   E[eps | x] = b C^-1 (x - a mu).
// Sigma and C commute, so in row form Sigma C^-1 r is r C^-1 Sigma.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include "models/diffusion/sampler_types.h"

namespace dact::models::gaussian_oracle {

struct GaussianData {
  torch::Tensor mu;     // [d]
  torch::Tensor Sigma;  // [d, d], symmetric positive definite
  int64_t dims() const { return mu.size(0); }
};

// 3-D data with correlated coordinates; Sigma's eigenvalues are 0.089, 0.441, 1.070,
// so both the stiff and the slow directions of the ODEs are exercised.
inline GaussianData correlated_gaussian_3d() {
  const auto L = 0.8 * torch::tensor({{1.0, 0.0, 0.0}, {0.6, 0.8, 0.0}, {-0.4, 0.3, 0.5}}, torch::kFloat64);
  return {torch::tensor({0.5, -0.3, 0.2}, torch::kFloat64), L.mm(L.t())};
}

struct Posterior {
  torch::Tensor x0, eps;  // E[x0 | x], E[eps | x]: [n, d]
};

// Gaussian conditioning of x0 and eps on x = a x0 + b eps (the header comment).
inline Posterior gaussian_posterior(const GaussianData& data, const torch::Tensor& x, double a, double b) {
  const auto identity = torch::eye(data.dims(), torch::kFloat64);
  const auto C_inv = torch::inverse(a * a * data.Sigma + b * b * identity);
  const auto whitened = (x - a * data.mu).mm(C_inv);
  return {data.mu + a * whitened.mm(data.Sigma), b * whitened};
}

// EDM's ideal denoiser D(x; sigma) = E[x0 | x] for x = x0 + sigma n.
inline torch::Tensor ideal_denoiser(const GaussianData& data, const torch::Tensor& x, double sigma) {
  return gaussian_posterior(data, x, 1, sigma).x0;
}

// ideal_denoiser with sigma a 0-dim tensor, in tensor ops only, so that forward-mode AD
// differentiates it in x and sigma: for Sigma = V diag(lambda) V^T,
//   D = mu + (x - mu) V diag(lambda / (lambda + sigma^2)) V^T.
inline torch::Tensor ideal_denoiser_differentiable(const GaussianData& data, const torch::Tensor& x,
                                                   const torch::Tensor& sigma) {
  const auto [lambda, V] = torch::linalg::eigh(data.Sigma, "L");
  return data.mu + ((x - data.mu).mm(V) * (lambda / (lambda + sigma * sigma))).mm(V.t());
}

// The ideal flow velocity v(x, t) = E[eps - x0 | x_t] for x_t = (1 - t) x0 + t eps.
inline torch::Tensor ideal_velocity(const GaussianData& data, const torch::Tensor& x, double t) {
  const auto posterior = gaussian_posterior(data, x, 1 - t, t);
  return posterior.eps - posterior.x0;
}

// The ideal DDPM eps(x, t) = E[eps | x_t] for x_t = sqrt(abar) x0 + sqrt(1 - abar) eps.
inline torch::Tensor ideal_eps(const GaussianData& data, const torch::Tensor& x, double abar) {
  return gaussian_posterior(data, x, std::sqrt(abar), std::sqrt(1 - abar)).eps;
}

// Symmetric matrix power M^p through the eigendecomposition.
inline torch::Tensor symmetric_power(const torch::Tensor& M, double p) {
  const auto [values, vectors] = torch::linalg::eigh(M, "L");
  return (vectors * values.pow(p)).mm(vectors.t());
}

// The exact probability-flow ODE map in variance-exploding form xbar = x0 + sigma eps:
// the ODE dxbar/dsigma = sigma (Sigma + sigma^2 I)^-1 (xbar - mu) has the solution
// xbar(s) - mu = (Sigma + s^2 I)^(1/2) (Sigma + s0^2 I)^(-1/2) (xbar(s0) - mu), since
// these matrices commute.
inline torch::Tensor exact_ode_transport(const GaussianData& data, const torch::Tensor& xbar, double sigma_from,
                                         double sigma_to) {
  const auto identity = torch::eye(data.dims(), torch::kFloat64);
  const auto map = symmetric_power(data.Sigma + sigma_from * sigma_from * identity, -0.5)
                       .mm(symmetric_power(data.Sigma + sigma_to * sigma_to * identity, 0.5));
  return data.mu + (xbar - data.mu).mm(map);
}

// The law N(mean, cov) of a sampler's output.
struct OutputLaw {
  torch::Tensor mean, cov;  // [d], [d, d]
};

// A sampler run from `start` rows with the step noise drawn from `noise`.
using AffineSampler = std::function<torch::Tensor(const torch::Tensor& start, const NoiseSource& noise)>;

// Driven by an affine predictor, every sampler tested here is an affine map of its
// Gaussian inputs: out = c + A x_T + sum_k B_k z_k. Probing one row per input
// direction (x_T = e_j, or z_k = e_j, all else 0) reads off c, A and the B_k, so the
// output law N(c, A A^T + sum_k B_k B_k^T) is exact, free of Monte-Carlo error.
// max_noise_calls bounds how often the sampler draws step noise.
inline OutputLaw exact_output_law(const AffineSampler& sampler, int64_t dims, int64_t max_noise_calls) {
  const int64_t rows = 1 + dims * (1 + max_noise_calls);
  const auto identity = torch::eye(dims, torch::kFloat64);
  auto start = torch::zeros({rows, dims}, torch::kFloat64);
  start.narrow(0, 1, dims).copy_(identity);
  auto calls = std::make_shared<int64_t>(0);
  const NoiseSource probe = [=](const torch::Tensor& like) {
    auto z = torch::zeros_like(like);
    const int64_t k = (*calls)++;
    if (k < max_noise_calls) z.narrow(0, 1 + dims * (1 + k), dims).copy_(identity);
    return z;
  };
  const auto out = sampler(start, probe);
  EXPECT_LE(*calls, max_noise_calls) << "the probe's noise budget is too small";
  const auto c = out[0];
  const auto columns = out.narrow(0, 1, rows - 1) - c;  // rows of A^T and the B_k^T
  return {c, columns.t().mm(columns)};
}

// Distance of a law from the data's: |mean - mu| + |cov - Sigma|_F (the weak error of
// the first two moments).
inline double moment_error(const OutputLaw& law, const GaussianData& data) {
  return (law.mean - data.mu).norm().item<double>() + (law.cov - data.Sigma).norm().item<double>();
}

// Root mean square over rows of |a - b|: the pathwise (strong) error.
inline double rms_error(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).square().sum(1).mean().sqrt().item<double>();
}

// Convergence order p of err ~ C N^-p: minus the least-squares slope of log err
// against log N.
inline double fitted_order(const std::vector<int64_t>& steps, const std::vector<double>& errors) {
  const auto log_n = torch::log(torch::tensor(steps, torch::kFloat64));
  const auto log_e = torch::log(torch::tensor(errors, torch::kFloat64));
  const auto centered_n = log_n - log_n.mean();
  return -((centered_n * (log_e - log_e.mean())).sum() / centered_n.square().sum()).item<double>();
}

// Sample mean and covariance (n - 1) of rows x [n, d].
inline OutputLaw sample_moments(const torch::Tensor& x) {
  const auto mean = x.mean(0);
  const auto centered = x - mean;
  return {mean, centered.t().mm(centered) / double(x.size(0) - 1)};
}

// Standard errors of the sample moments of n draws from N(., cov):
// Var(mean_i) = cov_ii / n, Var(cov_ij) ~ (cov_ii cov_jj + cov_ij^2) / n.
inline OutputLaw moment_standard_errors(const torch::Tensor& cov, int64_t n) {
  const auto variances = cov.diagonal();
  return {(variances / double(n)).sqrt(),
          ((variances.unsqueeze(1) * variances.unsqueeze(0) + cov.square()) / double(n)).sqrt()};
}

}  // namespace dact::models::gaussian_oracle
