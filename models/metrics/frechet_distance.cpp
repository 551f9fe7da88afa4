#include "models/metrics/frechet_distance.h"

#include <limits>
#include <stdexcept>

namespace dact::models::metrics {
namespace {

// Eigenvalues of a symmetric PSD matrix below its numerical-rank tolerance
// (max w * d * eps, as numpy.linalg.matrix_rank) are rounding noise: set them to 0
// so that sqrt does not inflate noise of 1e-16 into 1e-8.
torch::Tensor clamp_to_numerical_rank(const torch::Tensor& w) {
  const double tolerance = w.max().item<double>() * static_cast<double>(w.numel()) *
                           std::numeric_limits<double>::epsilon();
  return torch::where(w > tolerance, w, torch::zeros_like(w));
}

// Square root of a symmetric PSD matrix: V diag(sqrt(w)) V^T.
torch::Tensor symmetric_sqrt(const torch::Tensor& matrix) {
  const auto [w, V] = torch::linalg::eigh(matrix, "L");
  return (V * clamp_to_numerical_rank(w).sqrt()).mm(V.t());
}

// tr sqrt(S1 S2) = tr sqrt(sqrt(S1) S2 sqrt(S1)): the latter is symmetric PSD.
double trace_sqrt_product(const torch::Tensor& sigma1, const torch::Tensor& sigma2) {
  const torch::Tensor root1 = symmetric_sqrt(sigma1);
  torch::Tensor inner = root1.mm(sigma2).mm(root1);
  inner = (inner + inner.t()) / 2;
  const torch::Tensor w = torch::linalg::eigvalsh(inner, "L");
  return clamp_to_numerical_rank(w).sqrt().sum().item<double>();
}

}  // namespace

// Frechet distance of N(mu1, S1) and N(mu2, S2) (Dowson & Landau 1982; FID, Heusel et al. 2017).
double frechet_distance(const torch::Tensor& mu1, const torch::Tensor& sigma1,
                        const torch::Tensor& mu2, const torch::Tensor& sigma2) {
  const int64_t d = mu1.numel();
  if (mu1.dim() != 1 || mu2.dim() != 1 || mu2.numel() != d ||
      !sigma1.sizes().equals({d, d}) || !sigma2.sizes().equals({d, d})) {
    throw std::invalid_argument("frechet_distance: expected means [d] and covariances [d, d], got " +
                                c10::str(mu1.sizes(), ", ", sigma1.sizes(), ", ", mu2.sizes(),
                                         ", ", sigma2.sizes()));
  }
  const torch::Tensor m1 = mu1.to(torch::kFloat64), m2 = mu2.to(torch::kFloat64);
  const torch::Tensor s1 = sigma1.to(torch::kFloat64), s2 = sigma2.to(torch::kFloat64);
  const double mean_term = (m1 - m2).square().sum().item<double>();
  return mean_term + s1.trace().item<double>() + s2.trace().item<double>() -
         2 * trace_sqrt_product(s1, s2);
}

}  // namespace dact::models::metrics
