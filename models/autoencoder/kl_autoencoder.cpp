#include "models/autoencoder/kl_autoencoder.h"

namespace dact::models::autoencoder {

torch::Tensor KlPosterior::sample(c10::optional<torch::Generator> generator) const {
  return mean + std() * torch::randn(mean.sizes(), generator, mean.options());
}

KlAutoencoderImpl::KlAutoencoderImpl(const KlAutoencoderConfig& config) : config_(config) {
  validate_kl_autoencoder_config(config_);
  encoder = register_module("encoder", Encoder(config_));
  decoder = register_module("decoder", Decoder(config_));
  const int64_t moments = (config_.use_variational ? 2 : 1) * config_.embed_dim;
  quant_conv = register_module(
      "quant_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(2 * config_.latent_channels(), moments, 1)));
  post_quant_conv = register_module(
      "post_quant_conv",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(config_.embed_dim, config_.latent_channels(), 1)));
}

KlPosterior KlAutoencoderImpl::encode(const torch::Tensor& images) {
  const torch::Tensor moments = quant_conv->forward(encoder->forward(images));
  if (!config_.use_variational) {
    // MAR appends ones as the log-variance channels: a fixed posterior std of e^0.5.
    return {moments, torch::ones_like(moments)};
  }
  const auto mean_logvar = moments.chunk(2, 1);
  return {mean_logvar[0], torch::clamp(mean_logvar[1], -30.0, 20.0)};
}

torch::Tensor KlAutoencoderImpl::decode(const torch::Tensor& z) {
  return decoder->forward(post_quant_conv->forward(z));
}

}  // namespace dact::models::autoencoder
