#pragma once
// Improved precision and recall (Kynkaanniemi et al. 2019), float64: a sample is
// covered by a set if it lies within the k-NN radius of some sample of that set.
#include <torch/torch.h>

#include <cstdint>

namespace dact::models::metrics {

// Euclidean distance from each row of `features` [N, d] to its k-th nearest other
// row (self excluded). Needs N > k >= 1, else std::invalid_argument.
torch::Tensor k_nearest_radii(const torch::Tensor& features, int64_t k);

// Fraction of rows of `samples` [M, d] within (<=) radii[j] of some row j of
// `support` [N, d]. Works in row blocks, so memory is O(block * N).
double fraction_covered(const torch::Tensor& samples, const torch::Tensor& support,
                        const torch::Tensor& radii);

struct PrecisionRecall {
  double precision;  // generated samples covered by the real manifold
  double recall;     // real samples covered by the generated manifold
};

// Precision and recall of `generated` [M, d] against `real` [N, d] with k-NN radii.
PrecisionRecall precision_recall(const torch::Tensor& generated, const torch::Tensor& real,
                                 int64_t k = 3);

}  // namespace dact::models::metrics
