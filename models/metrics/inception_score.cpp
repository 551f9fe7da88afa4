#include "models/metrics/inception_score.h"

#include <stdexcept>
#include <string>

namespace dact::models::metrics {
namespace {

// exp(mean_x KL(p(y|x) || p(y))), p(y) the split's marginal (Salimans et al. 2016, Section 4).
double split_score(const torch::Tensor& p_y_given_x) {
  const torch::Tensor p_y = p_y_given_x.mean(0, /*keepdim=*/true);
  const torch::Tensor kl = (torch::xlogy(p_y_given_x, p_y_given_x) -
                            torch::xlogy(p_y_given_x, p_y)).sum(1);
  return std::exp(kl.mean().item<double>());
}

}  // namespace

InceptionScore inception_score(const torch::Tensor& logits, int64_t num_splits) {
  if (logits.dim() != 2 || num_splits < 1 || logits.size(0) < num_splits) {
    throw std::invalid_argument("inception_score: expected logits [N, C] with N >= " +
                                std::to_string(num_splits) + ", got " +
                                c10::str(logits.sizes()));
  }
  const torch::Tensor p = torch::softmax(logits.to(torch::kFloat64), 1);
  const int64_t n = p.size(0);
  torch::Tensor scores = torch::empty({num_splits}, torch::kFloat64);
  int64_t start = 0;
  for (int64_t s = 0; s < num_splits; ++s) {
    const int64_t size = n / num_splits + (s < n % num_splits ? 1 : 0);
    scores[s] = split_score(p.slice(0, start, start + size));
    start += size;
  }
  return {scores.mean().item<double>(), scores.std(/*unbiased=*/false).item<double>()};
}

}  // namespace dact::models::metrics
