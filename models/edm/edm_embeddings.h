#pragma once
// EDM's noise-level embeddings (NVlabs/edm training/networks.py): sinusoidal
// positional features (DDPM++, ADM) and random Fourier features (NCSN++, buffer
// `freqs`). Both return [cos, sin] halves: x [N] -> [N, num_channels].
#include <torch/torch.h>

namespace dact::models::edm {

// cos/sin of x * (1 / max_positions)^(i / (C/2 - endpoint)), i = 0 .. C/2 - 1
// (Transformer positional encoding; endpoint = true makes the last frequency
// exactly 1 / max_positions, as DDPM++ uses).
class PositionalEmbeddingImpl : public torch::nn::Module {
 public:
  explicit PositionalEmbeddingImpl(int64_t num_channels, double max_positions = 10000, bool endpoint = false);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t num_channels_;
  double max_positions_;
  bool endpoint_;
};
TORCH_MODULE(PositionalEmbedding);

// cos/sin of 2 pi freqs x with freqs ~ N(0, scale^2) (Tancik et al. 2020, as NCSN++).
class FourierEmbeddingImpl : public torch::nn::Module {
 public:
  explicit FourierEmbeddingImpl(int64_t num_channels, double scale = 16);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor freqs;  // [num_channels / 2]
};
TORCH_MODULE(FourierEmbedding);

}  // namespace dact::models::edm
