#pragma once
// EDM2's magnitude-preserving U-Net (EDM2 Fig. 21; NVlabs/edm2
// training/networks_edm2.py UNet). Module names equal the reference state dict:
// emb_fourier, emb_noise, emb_label, enc.<res>x<res>_{conv,down,block<i>},
// dec.<res>x<res>_{in0,in1,up,block<i>}, out_conv, out_gain.
#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "models/edm2/edm2_block.h"
#include "models/edm2/edm2_layers.h"

namespace dact::models {

// UNet constructor arguments with the reference defaults.
struct Edm2UNetConfig {
  int64_t img_resolution = 64;
  int64_t img_channels = 3;
  int64_t label_dim = 0;  // 0 = unconditional
  int64_t model_channels = 192;
  std::vector<int64_t> channel_mult{1, 2, 3, 4};
  std::optional<int64_t> channel_mult_noise;  // nullopt: channel_mult[0]
  std::optional<int64_t> channel_mult_emb;    // nullopt: max(channel_mult)
  int64_t num_blocks = 3;
  std::vector<int64_t> attn_resolutions{16, 8};
  double label_balance = 0.5;   // noise embedding (0) vs class embedding (1)
  double concat_balance = 0.5;  // skip connections (0) vs main path (1)
  Edm2BlockConfig block;
};

class Edm2UNetImpl : public torch::nn::Module {
 public:
  explicit Edm2UNetImpl(const Edm2UNetConfig& config);
  // x: [N, img_channels, R, R], noise_labels: [N], class_labels: [N or 1, label_dim]
  // (undefined when label_dim is 0) -> [N, img_channels, R, R].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& noise_labels,
                        const torch::Tensor& class_labels);

 private:
  // One encoder or decoder entry: the first encoder conv is an MPConv, the rest Blocks.
  struct Stage {
    std::string name;
    MPConv conv{nullptr};
    Edm2Block block{nullptr};
  };

  Edm2UNetConfig config_;
  torch::Tensor out_gain_;
  MPFourier emb_fourier_{nullptr};
  MPConv emb_noise_{nullptr}, emb_label_{nullptr}, out_conv_{nullptr};
  std::vector<Stage> enc_, dec_;
};
TORCH_MODULE(Edm2UNet);

}  // namespace dact::models
