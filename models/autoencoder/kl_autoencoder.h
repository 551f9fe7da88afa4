#pragma once
// LDM's KL autoencoder (Rombach et al. 2022, Sec. 3.1; ldm/models/autoencoder.py
// AutoencoderKL) as MAR ships it (LTH14/mar models/vae.py): images -> a diagonal
// Gaussian posterior over latents, latents -> images. Parameter names equal the
// reference state dict (encoder.*, decoder.*, quant_conv, post_quant_conv), so MAR's
// kl16.ckpt and Stable Diffusion's first_stage_model load once exported by
// tools/export_state_dict.py.
#include <torch/torch.h>

#include "models/autoencoder/kl_autoencoder_config.h"
#include "models/autoencoder/kl_autoencoder_decoder.h"
#include "models/autoencoder/kl_autoencoder_encoder.h"

namespace dact::models::autoencoder {

// DiagonalGaussianDistribution's parameters, each [N, embed_dim, h, w].
struct KlPosterior {
  torch::Tensor mean;
  torch::Tensor logvar;  // clamped to [-30, 20] as the reference does

  torch::Tensor std() const { return torch::exp(0.5 * logvar); }
  // mean + std * eps with eps ~ N(0, I) from `generator` (the global one when undefined).
  torch::Tensor sample(c10::optional<torch::Generator> generator = c10::nullopt) const;
};

class KlAutoencoderImpl : public torch::nn::Module {
 public:
  explicit KlAutoencoderImpl(const KlAutoencoderConfig& config);

  // images [N, in_channels, resolution-sized H, W] in [-1, 1] -> the posterior at 1/f size.
  KlPosterior encode(const torch::Tensor& images);
  // z [N, embed_dim, h, w] -> images [N, out_ch, h * f, w * f].
  torch::Tensor decode(const torch::Tensor& z);

  const KlAutoencoderConfig& config() const { return config_; }

  Encoder encoder{nullptr};
  Decoder decoder{nullptr};
  torch::nn::Conv2d quant_conv{nullptr};       // 2 z_channels -> 2 embed_dim (embed_dim without use_variational)
  torch::nn::Conv2d post_quant_conv{nullptr};  // embed_dim -> z_channels

 private:
  KlAutoencoderConfig config_;
};
TORCH_MODULE(KlAutoencoder);

}  // namespace dact::models::autoencoder
