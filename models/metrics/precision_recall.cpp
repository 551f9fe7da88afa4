#include "models/metrics/precision_recall.h"

#include <limits>
#include <stdexcept>
#include <string>

namespace dact::models::metrics {
namespace {

constexpr int64_t kBlockRows = 1024;

// Exact Euclidean distances (no ||x||^2 + ||y||^2 - 2 x.y shortcut, which loses
// precision at the `<=` boundary).
torch::Tensor euclidean_distances(const torch::Tensor& a, const torch::Tensor& b) {
  return torch::cdist(a, b, 2.0, /*compute_mode=donot_use_mm_for_euclid_dist*/ 2);
}

torch::Tensor as_feature_matrix(const torch::Tensor& features, const char* what) {
  if (features.dim() != 2 || !features.is_floating_point()) {
    throw std::invalid_argument(std::string(what) + ": expected floating features [N, d], got " +
                                c10::str(features.sizes()));
  }
  return features.to(torch::kFloat64).contiguous();
}

}  // namespace

// k-NN radius of the estimated manifold (Kynkaanniemi et al. 2019, Equation 1).
torch::Tensor k_nearest_radii(const torch::Tensor& features, int64_t k) {
  const torch::Tensor x = as_feature_matrix(features, "k_nearest_radii");
  const int64_t n = x.size(0);
  if (k < 1 || n <= k) {
    throw std::invalid_argument("k_nearest_radii: need more than k = " + std::to_string(k) +
                                " rows, got " + std::to_string(n));
  }
  torch::Tensor radii = torch::empty({n}, torch::kFloat64);
  for (int64_t start = 0; start < n; start += kBlockRows) {
    const int64_t end = std::min(n, start + kBlockRows);
    torch::Tensor d = euclidean_distances(x.slice(0, start, end), x);
    d.diagonal(/*offset=*/start).fill_(std::numeric_limits<double>::infinity());  // self
    radii.slice(0, start, end) = std::get<0>(d.kthvalue(k, 1));
  }
  return radii;
}

// f(phi, Phi) of Kynkaanniemi et al. 2019, Equation 1, averaged over samples.
double fraction_covered(const torch::Tensor& samples, const torch::Tensor& support,
                        const torch::Tensor& radii) {
  const torch::Tensor x = as_feature_matrix(samples, "fraction_covered");
  const torch::Tensor s = as_feature_matrix(support, "fraction_covered");
  if (x.size(1) != s.size(1) || radii.dim() != 1 || radii.size(0) != s.size(0)) {
    throw std::invalid_argument("fraction_covered: samples " + c10::str(x.sizes()) +
                                ", support " + c10::str(s.sizes()) + ", radii " +
                                c10::str(radii.sizes()) + " do not match");
  }
  const torch::Tensor r = radii.to(torch::kFloat64).unsqueeze(0);
  int64_t covered = 0;
  for (int64_t start = 0; start < x.size(0); start += kBlockRows) {
    const int64_t end = std::min(x.size(0), start + kBlockRows);
    covered += euclidean_distances(x.slice(0, start, end), s).le(r).any(1).sum().item<int64_t>();
  }
  return static_cast<double>(covered) / static_cast<double>(x.size(0));
}

// Precision = f(generated, real), recall = f(real, generated) (Kynkaanniemi et al. 2019, Eq. 2).
PrecisionRecall precision_recall(const torch::Tensor& generated, const torch::Tensor& real,
                                 int64_t k) {
  return {fraction_covered(generated, real, k_nearest_radii(real, k)),
          fraction_covered(real, generated, k_nearest_radii(generated, k))};
}

}  // namespace dact::models::metrics
