#include "models/dit/dit_embedders.h"

#include <cmath>

namespace dact::models {

torch::Tensor timestep_embedding(const torch::Tensor& t, int64_t dim, double max_period) {
  // GLIDE nn.py timestep_embedding, computed in float32 as the reference does.
  const int64_t half = dim / 2;
  const auto freqs =
      torch::exp(-std::log(max_period) * torch::arange(0, half, torch::kFloat32) / half)
          .to(t.device());
  const auto args = t.unsqueeze(1).to(torch::kFloat32) * freqs.unsqueeze(0);
  auto embedding = torch::cat({torch::cos(args), torch::sin(args)}, -1);
  if (dim % 2 != 0) {
    embedding = torch::cat({embedding, torch::zeros_like(embedding.narrow(1, 0, 1))}, -1);
  }
  return embedding;
}

namespace {

// MAE get_1d_sincos_pos_embed_from_grid: positions [M] -> [M, dim] = [sin, cos].
torch::Tensor sincos_1d(int64_t dim, const torch::Tensor& positions) {
  auto omega = torch::arange(dim / 2, torch::kFloat64) / (dim / 2.0);
  omega = 1.0 / torch::pow(10000.0, omega);
  const auto out = torch::outer(positions.reshape(-1), omega);
  return torch::cat({torch::sin(out), torch::cos(out)}, 1);
}

}  // namespace

torch::Tensor sincos_pos_embed_2d(int64_t embed_dim, int64_t grid_size) {
  // MAE get_2d_sincos_pos_embed: meshgrid(w, h), so grid[0] varies along columns.
  const auto coords = torch::arange(grid_size, torch::kFloat64);
  const auto column = coords.repeat({grid_size});
  const auto row = coords.repeat_interleave(grid_size);
  return torch::cat({sincos_1d(embed_dim / 2, column), sincos_1d(embed_dim / 2, row)}, 1);
}

PatchEmbedImpl::PatchEmbedImpl(int64_t patch_size, int64_t in_channels, int64_t hidden_size) {
  proj = register_module(
      "proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, hidden_size, patch_size)
                                    .stride(patch_size)));
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor& x) {
  return proj->forward(x).flatten(2).transpose(1, 2);
}

TimestepEmbedderImpl::TimestepEmbedderImpl(int64_t hidden_size, int64_t frequency_embedding_size)
    : frequency_embedding_size(frequency_embedding_size) {
  mlp = register_module("mlp", torch::nn::Sequential(
                                   torch::nn::Linear(frequency_embedding_size, hidden_size),
                                   torch::nn::SiLU(), torch::nn::Linear(hidden_size, hidden_size)));
}

torch::Tensor TimestepEmbedderImpl::forward(const torch::Tensor& t) {
  // The features are float32 as in the reference; a float64 network gets them cast.
  const auto& first = mlp[0]->as<torch::nn::Linear>()->weight;
  return mlp->forward(timestep_embedding(t, frequency_embedding_size).to(first.dtype()));
}

LabelEmbedderImpl::LabelEmbedderImpl(int64_t num_classes, int64_t hidden_size, double dropout_prob)
    : num_classes(num_classes), dropout_prob(dropout_prob) {
  const int64_t rows = num_classes + (dropout_prob > 0 ? 1 : 0);
  embedding_table = register_module("embedding_table", torch::nn::Embedding(rows, hidden_size));
}

torch::Tensor LabelEmbedderImpl::forward(const torch::Tensor& labels) { return embedding_table->forward(labels); }

}  // namespace dact::models
