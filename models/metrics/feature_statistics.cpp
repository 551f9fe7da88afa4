#include "models/metrics/feature_statistics.h"

#include <stdexcept>
#include <string>

namespace dact::models::metrics {

FeatureStatistics::FeatureStatistics(int64_t dim)
    : dim(dim),
      sum(torch::zeros({dim}, torch::kFloat64)),
      outer_sum(torch::zeros({dim, dim}, torch::kFloat64)) {}

void FeatureStatistics::add(const torch::Tensor& features) {
  if (features.dim() != 2 || features.size(1) != dim || !features.is_floating_point()) {
    throw std::invalid_argument("FeatureStatistics: expected floating features [N, " +
                                std::to_string(dim) + "], got " +
                                c10::str(features.sizes()));
  }
  const torch::Tensor x = features.to(torch::kFloat64);
  count += x.size(0);
  sum += x.sum(0);
  outer_sum += x.t().mm(x);
}

void FeatureStatistics::merge(const FeatureStatistics& other) {
  if (other.dim != dim) {
    throw std::invalid_argument("FeatureStatistics: cannot merge dim " +
                                std::to_string(other.dim) + " into dim " + std::to_string(dim));
  }
  count += other.count;
  sum += other.sum;
  outer_sum += other.outer_sum;
}

torch::Tensor FeatureStatistics::mean() const {
  if (count < 1) throw std::logic_error("FeatureStatistics: mean of no features");
  return sum / static_cast<double>(count);
}

// Sample covariance (x - mu)(x - mu)^T / (N - 1) = (sum x x^T - N mu mu^T) / (N - 1).
torch::Tensor FeatureStatistics::covariance() const {
  if (count < 2) throw std::logic_error("FeatureStatistics: covariance needs 2 features");
  const torch::Tensor mu = mean();
  return (outer_sum - static_cast<double>(count) * torch::outer(mu, mu)) /
         static_cast<double>(count - 1);
}

}  // namespace dact::models::metrics
