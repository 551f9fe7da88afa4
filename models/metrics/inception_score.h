#pragma once
// Inception Score (Salimans et al. 2016), float64.
#include <torch/torch.h>

#include <cstdint>

namespace dact::models::metrics {

struct InceptionScore {
  double mean;
  double std;  // population std (ddof 0) over splits
};

// exp(E_x KL(p(y|x) || p(y))) with p(y|x) = softmax(logits [N, C]) on each of
// `num_splits` consecutive splits (numpy.array_split sizes). Throws
// std::invalid_argument unless logits is 2-D with N >= num_splits >= 1.
InceptionScore inception_score(const torch::Tensor& logits, int64_t num_splits = 10);

}  // namespace dact::models::metrics
