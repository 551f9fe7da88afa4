#pragma once
// Per-sample values [N] as [N, 1, ..., 1], to broadcast over a batch `like` [N, ...].
#include <torch/torch.h>

#include <vector>

namespace dact::models {

inline torch::Tensor per_sample(const torch::Tensor& values, const torch::Tensor& like) {
  std::vector<int64_t> shape(like.dim(), 1);
  shape[0] = like.size(0);
  return values.reshape(shape);
}

}  // namespace dact::models
