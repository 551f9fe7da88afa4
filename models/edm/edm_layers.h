#pragma once
// EDM's leaf layers (NVlabs/edm training/networks.py): Linear, Conv2d with optional
// up/downsampling through a separable resample filter, and GroupNorm. State-dict
// names as the reference: `weight`, `bias`, and Conv2d's buffer `resample_filter`,
// which exists only when the layer resamples (the reference registers None otherwise).
#include <torch/torch.h>

#include <vector>

namespace dact::models::edm {

enum class InitMode { xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal };

// networks.py's init dicts: weight = weight_init(...) * init_weight, bias likewise.
struct LayerInit {
  InitMode mode = InitMode::kaiming_normal;
  double init_weight = 1;
  double init_bias = 0;
};

// networks.py weight_init: a random tensor of `shape` with the variance of `mode`.
torch::Tensor weight_init(torch::IntArrayRef shape, InitMode mode, double fan_in, double fan_out);

class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features, bool bias, const LayerInit& init);
  // x: [..., in_features] -> [..., out_features].
  torch::Tensor forward(const torch::Tensor& x);

  int64_t in_features, out_features;
  torch::Tensor weight, bias;  // bias undefined without one
};
TORCH_MODULE(Linear);

// Conv2d constructor arguments beyond the channel counts (reference defaults).
struct Conv2dConfig {
  int64_t kernel = 3;  // 0: no weight, only resampling
  bool bias = true;
  bool up = false;
  bool down = false;
  std::vector<double> resample_filter{1, 1};
  // Down: convolve at full resolution, then filter and subsample; up: upsample, then
  // convolve with the paddings combined. NCSN++'s residual encoder uses it.
  bool fused_resample = false;
  LayerInit init;
};

class Conv2dImpl : public torch::nn::Module {
 public:
  Conv2dImpl(int64_t in_channels, int64_t out_channels, const Conv2dConfig& config);
  // x: [N, in_channels, H, W] -> [N, out_channels, H', W'] (H' = 2H up, H/2 down).
  torch::Tensor forward(torch::Tensor x);

  int64_t in_channels, out_channels;
  torch::Tensor weight, bias, resample_filter;  // each undefined when absent

 private:
  bool up_, down_, fused_resample_;
};
TORCH_MODULE(Conv2d);

// Group normalization with at least `min_channels_per_group` channels per group.
class GroupNormImpl : public torch::nn::Module {
 public:
  explicit GroupNormImpl(int64_t num_channels, int64_t num_groups = 32, int64_t min_channels_per_group = 4,
                         double eps = 1e-5);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;

 private:
  int64_t num_groups_;
  double eps_;
};
TORCH_MODULE(GroupNorm);

}  // namespace dact::models::edm
