#pragma once
// Song et al.'s DDPM++ and NCSN++ U-Nets ("Score-Based Generative Modeling through
// Stochastic Differential Equations") as EDM restates them (NVlabs/edm
// training/networks.py SongUNet). Module names equal the reference state dict:
// map_noise, map_label, map_augment, map_layer0, map_layer1,
// enc.<res>x<res>_{conv,down,block<i>,aux_down,aux_skip,aux_residual},
// dec.<res>x<res>_{in0,in1,up,block<i>,aux_up,aux_norm,aux_conv}.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "models/edm/edm_backbone.h"
#include "models/edm/edm_embeddings.h"
#include "models/edm/edm_layers.h"
#include "models/edm/edm_unet_block.h"

namespace dact::models::edm {

enum class EmbeddingType { positional, fourier };     // DDPM++, NCSN++
enum class EncoderType { standard, skip, residual };  // residual: NCSN++
enum class DecoderType { standard, skip };

// SongUNet constructor arguments with the reference defaults. The first four have
// none there; the preconditioner sets them.
struct SongUNetConfig {
  int64_t img_resolution = 0;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t label_dim = 0;    // 0 = unconditional
  int64_t augment_dim = 0;  // 0 = no augmentation labels
  int64_t model_channels = 128;
  std::vector<int64_t> channel_mult{1, 2, 2, 2};
  int64_t channel_mult_emb = 4;
  int64_t num_blocks = 4;
  std::vector<int64_t> attn_resolutions{16};
  double dropout = 0.10;
  double label_dropout = 0;
  EmbeddingType embedding_type = EmbeddingType::positional;
  int64_t channel_mult_noise = 1;  // 1 for DDPM++, 2 for NCSN++
  EncoderType encoder_type = EncoderType::standard;
  DecoderType decoder_type = DecoderType::standard;
  std::vector<double> resample_filter{1, 1};  // [1,1] for DDPM++, [1,3,3,1] for NCSN++
};

class SongUNetImpl : public Backbone {
 public:
  explicit SongUNetImpl(const SongUNetConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& noise_labels, const torch::Tensor& class_labels,
                        const torch::Tensor& augment_labels) override;

 private:
  // What an encoder/decoder entry does with the main path x and the auxiliary path.
  enum class StageRole { conv, block, aux_down, aux_skip, aux_residual, aux_up, aux_norm, aux_conv };
  struct Stage {
    StageRole role;
    Conv2d conv{nullptr};
    UNetBlock block{nullptr};
    GroupNorm norm{nullptr};
  };

  torch::Tensor embedding(const torch::Tensor& noise_labels, const torch::Tensor& class_labels,
                          const torch::Tensor& augment_labels, int64_t batch);

  SongUNetConfig config_;
  PositionalEmbedding map_noise_positional_{nullptr};  // one of the two, as embedding_type
  FourierEmbedding map_noise_fourier_{nullptr};
  Linear map_label_{nullptr}, map_augment_{nullptr}, map_layer0_{nullptr}, map_layer1_{nullptr};
  std::vector<Stage> enc_, dec_;
};
TORCH_MODULE(SongUNet);

}  // namespace dact::models::edm
