#pragma once
// DiT's input embeddings (facebookresearch/DiT models.py), with the reference
// state-dict names: PatchEmbed (`proj`), TimestepEmbedder (`mlp.0`, `mlp.2`),
// LabelEmbedder (`embedding_table`); and the fixed 2-D sin-cos position table.
// TimestepEmbedder is also MAR's DiffLoss time embedding.
#include <torch/torch.h>

namespace dact::models {

// Sinusoidal features of (possibly fractional) timesteps t: [N] -> [N, dim],
// [cos(t f_k), sin(t f_k)] with f_k = max_period^(-k / (dim/2)) (GLIDE / DiT).
torch::Tensor timestep_embedding(const torch::Tensor& t, int64_t dim, double max_period = 10000);

// MAE / DiT 2-D sin-cos position table [grid_size^2, embed_dim], float64, tokens in
// row-major order: the first half of the channels encodes the column, the second
// the row, each as [sin, cos] with frequencies 10000^(-k / (embed_dim / 4)).
torch::Tensor sincos_pos_embed_2d(int64_t embed_dim, int64_t grid_size);

// Non-overlapping p x p patches -> tokens: [N, C, H, W] -> [N, H/p * W/p, hidden].
class PatchEmbedImpl : public torch::nn::Module {
 public:
  PatchEmbedImpl(int64_t patch_size, int64_t in_channels, int64_t hidden_size);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d proj{nullptr};
};
TORCH_MODULE(PatchEmbed);

// t: [N] -> [N, hidden]: Linear(256 -> hidden), SiLU, Linear(hidden -> hidden).
class TimestepEmbedderImpl : public torch::nn::Module {
 public:
  explicit TimestepEmbedderImpl(int64_t hidden_size, int64_t frequency_embedding_size = 256);
  torch::Tensor forward(const torch::Tensor& t);

  torch::nn::Sequential mlp{nullptr};
  int64_t frequency_embedding_size;
};
TORCH_MODULE(TimestepEmbedder);

// Class labels [N] int64 -> [N, hidden]. With dropout_prob > 0 the table has the
// extra null-class row num_classes for classifier-free guidance (Ho & Salimans 2022).
// Unlike the reference, forward() never drops labels itself: the training objective
// replaces them by num_classes with draws from its own generator (exact resume).
class LabelEmbedderImpl : public torch::nn::Module {
 public:
  LabelEmbedderImpl(int64_t num_classes, int64_t hidden_size, double dropout_prob);
  torch::Tensor forward(const torch::Tensor& labels);

  torch::nn::Embedding embedding_table{nullptr};
  int64_t num_classes;
  double dropout_prob;
};
TORCH_MODULE(LabelEmbedder);

}  // namespace dact::models
