#include "models/edm/edm_embeddings.h"

#include <cmath>

namespace dact::models::edm {

PositionalEmbeddingImpl::PositionalEmbeddingImpl(int64_t num_channels, double max_positions, bool endpoint)
    : num_channels_(num_channels), max_positions_(max_positions), endpoint_(endpoint) {}

torch::Tensor PositionalEmbeddingImpl::forward(const torch::Tensor& x) {
  const int64_t half = num_channels_ / 2;
  torch::Tensor freqs = torch::arange(0, half, x.options().dtype(torch::kFloat32));
  freqs = freqs / static_cast<double>(half - (endpoint_ ? 1 : 0));
  freqs = torch::pow(1 / max_positions_, freqs);
  const torch::Tensor angles = x.outer(freqs.to(x.scalar_type()));
  return torch::cat({angles.cos(), angles.sin()}, 1);
}

FourierEmbeddingImpl::FourierEmbeddingImpl(int64_t num_channels, double scale) {
  freqs = register_buffer("freqs", torch::randn({num_channels / 2}) * scale);
}

torch::Tensor FourierEmbeddingImpl::forward(const torch::Tensor& x) {
  const torch::Tensor angles = x.outer((2 * M_PI * freqs).to(x.scalar_type()));
  return torch::cat({angles.cos(), angles.sin()}, 1);
}

}  // namespace dact::models::edm
