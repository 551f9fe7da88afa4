#pragma once
// Dhariwal & Nichol's ADM U-Net ("Diffusion Models Beat GANs on Image Synthesis") as
// EDM restates it (NVlabs/edm training/networks.py DhariwalUNet). Module names equal
// the reference state dict: map_noise, map_augment, map_layer0, map_layer1, map_label,
// enc.<res>x<res>_{conv,down,block<i>}, dec.<res>x<res>_{in0,in1,up,block<i>},
// out_norm, out_conv.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "models/edm/edm_backbone.h"
#include "models/edm/edm_embeddings.h"
#include "models/edm/edm_layers.h"
#include "models/edm/edm_unet_block.h"

namespace dact::models::edm {

// DhariwalUNet constructor arguments with the reference defaults. The first four have
// none there; the preconditioner sets them.
struct DhariwalUNetConfig {
  int64_t img_resolution = 0;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t label_dim = 0;    // 0 = unconditional
  int64_t augment_dim = 0;  // 0 = no augmentation labels
  int64_t model_channels = 192;
  std::vector<int64_t> channel_mult{1, 2, 3, 4};
  int64_t channel_mult_emb = 4;
  int64_t num_blocks = 3;
  std::vector<int64_t> attn_resolutions{32, 16, 8};
  double dropout = 0.10;
  double label_dropout = 0;
};

class DhariwalUNetImpl : public Backbone {
 public:
  explicit DhariwalUNetImpl(const DhariwalUNetConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& noise_labels, const torch::Tensor& class_labels,
                        const torch::Tensor& augment_labels) override;

 private:
  // One encoder or decoder entry: the first encoder conv is a Conv2d, the rest blocks.
  struct Stage {
    Conv2d conv{nullptr};
    UNetBlock block{nullptr};
  };

  torch::Tensor embedding(const torch::Tensor& noise_labels, const torch::Tensor& class_labels,
                          const torch::Tensor& augment_labels, int64_t batch);

  DhariwalUNetConfig config_;
  PositionalEmbedding map_noise_{nullptr};
  Linear map_augment_{nullptr}, map_layer0_{nullptr}, map_layer1_{nullptr}, map_label_{nullptr};
  std::vector<Stage> enc_, dec_;
  GroupNorm out_norm_{nullptr};
  Conv2d out_conv_{nullptr};
};
TORCH_MODULE(DhariwalUNet);

}  // namespace dact::models::edm
