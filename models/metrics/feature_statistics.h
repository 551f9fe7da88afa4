#pragma once
// Mergeable first and second moments of a feature set, in float64, so an
// evaluation split across evaluators combines exactly: count, sum of features,
// sum of outer products. Not thread-safe.
#include <torch/torch.h>

#include <cstdint>

namespace dact::models::metrics {

struct FeatureStatistics {
  explicit FeatureStatistics(int64_t dim);

  // Accumulates the rows of `features` [N, dim] (any floating dtype).
  // Throws std::invalid_argument on another shape.
  void add(const torch::Tensor& features);
  // Adds the moments of `other` (same dim, else std::invalid_argument).
  void merge(const FeatureStatistics& other);

  // Mean [dim] and covariance with N - 1 [dim, dim], float64. Need count >= 1
  // (mean) or count >= 2 (covariance), else std::logic_error.
  torch::Tensor mean() const;
  torch::Tensor covariance() const;

  int64_t dim;
  int64_t count = 0;
  torch::Tensor sum;        // [dim] float64
  torch::Tensor outer_sum;  // [dim, dim] float64, sum of x x^T
};

}  // namespace dact::models::metrics
