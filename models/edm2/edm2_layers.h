#pragma once
// EDM2's two parametrized leaf layers (NVlabs/edm2 training/networks_edm2.py), with
// the reference state-dict names: MPFourier (buffers `freqs`, `phases`) and MPConv
// (parameter `weight`).
#include <torch/torch.h>

#include <vector>

namespace dact::models {

// Magnitude-preserving Fourier features cos(2 pi (f x + phi)) * sqrt(2) (EDM2 Eq. 75);
// freqs ~ 2 pi N(0, bandwidth^2), phases ~ 2 pi U(0, 1).
class MPFourierImpl : public torch::nn::Module {
 public:
  explicit MPFourierImpl(int64_t num_channels, double bandwidth = 1);
  // x: [N] -> [N, num_channels].
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor freqs, phases;
};
TORCH_MODULE(MPFourier);

// Magnitude-preserving convolution (kernel {k, k}) or fully-connected layer (kernel {})
// (EDM2 Eq. 47). In training mode forward first replaces `weight` in place by its
// normalized value (forced weight normalization, Eq. 66); in every mode the weight is
// then normalized and scaled by gain / sqrt(fan_in).
class MPConvImpl : public torch::nn::Module {
 public:
  MPConvImpl(int64_t in_channels, int64_t out_channels, std::vector<int64_t> kernel);
  // gain: a scalar tensor (a learned gain); undefined means gain 1.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& gain = {});

  int64_t out_channels;
  torch::Tensor weight;

 private:
  torch::Tensor normalized_weight();
};
TORCH_MODULE(MPConv);

}  // namespace dact::models
