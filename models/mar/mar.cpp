#include "models/mar/mar.h"

namespace dact::models {
namespace {

torch::nn::LayerNorm mar_layer_norm(int64_t dim) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-6));
}

torch::nn::ModuleList mar_blocks(int64_t depth, int64_t dim, int64_t heads, double mlp_ratio) {
  torch::nn::ModuleList blocks;
  for (int64_t i = 0; i < depth; ++i) blocks->push_back(MarBlock(dim, heads, mlp_ratio));
  return blocks;
}

torch::Tensor run_blocks(const torch::nn::ModuleList& blocks, torch::Tensor x) {
  for (const auto& block : *blocks) x = block->as<MarBlockImpl>()->forward(x);
  return x;
}

// [N, seq] mask -> [N, buffer + seq] bool, true where a token is kept (buffer always).
torch::Tensor kept_with_buffer(const torch::Tensor& mask, int64_t buffer_size) {
  return torch::cat({torch::zeros({mask.size(0), buffer_size}, mask.options()), mask}, 1) == 0;
}

}  // namespace

MarBlockImpl::MarBlockImpl(int64_t dim, int64_t num_heads, double mlp_ratio) {
  norm1 = register_module("norm1", mar_layer_norm(dim));
  attn = register_module("attn", DitAttention(dim, num_heads));
  norm2 = register_module("norm2", mar_layer_norm(dim));
  mlp = register_module("mlp", DitMlp(dim, mlp_ratio, DitMlpKind::gelu_erf));
}

torch::Tensor MarBlockImpl::forward(const torch::Tensor& x) {
  const auto h = x + attn->forward(norm1->forward(x));
  return h + mlp->forward(norm2->forward(h));
}

MarDiffLossImpl::MarDiffLossImpl(const DiffLossMlpConfig& config) {
  net = register_module("net", DiffLossMlp(config));
}

MarImpl::MarImpl(const MarConfig& config) : config_(config) {
  const int64_t D = config.encoder_embed_dim, D_dec = config.decoder_embed_dim;
  const int64_t tokens = config.seq_len() + config.buffer_size;
  class_emb = register_module("class_emb", torch::nn::Embedding(config.class_num, D));
  fake_latent = register_parameter("fake_latent", torch::zeros({1, D}));
  z_proj = register_module("z_proj", torch::nn::Linear(config.token_embed_dim(), D));
  z_proj_ln = register_module("z_proj_ln", mar_layer_norm(D));
  encoder_pos_embed_learned = register_parameter("encoder_pos_embed_learned", torch::zeros({1, tokens, D}));
  encoder_blocks = register_module(
      "encoder_blocks", mar_blocks(config.encoder_depth, D, config.encoder_num_heads, config.mlp_ratio));
  encoder_norm = register_module("encoder_norm", mar_layer_norm(D));
  decoder_embed = register_module("decoder_embed", torch::nn::Linear(D, D_dec));
  mask_token = register_parameter("mask_token", torch::zeros({1, 1, D_dec}));
  decoder_pos_embed_learned = register_parameter("decoder_pos_embed_learned", torch::zeros({1, tokens, D_dec}));
  decoder_blocks = register_module(
      "decoder_blocks", mar_blocks(config.decoder_depth, D_dec, config.decoder_num_heads, config.mlp_ratio));
  decoder_norm = register_module("decoder_norm", mar_layer_norm(D_dec));
  diffusion_pos_embed_learned =
      register_parameter("diffusion_pos_embed_learned", torch::zeros({1, config.seq_len(), D_dec}));

  torch::NoGradGuard no_grad;
  for (torch::Tensor* p : {&class_emb->weight, &fake_latent, &mask_token, &encoder_pos_embed_learned,
                           &decoder_pos_embed_learned, &diffusion_pos_embed_learned}) {
    torch::nn::init::normal_(*p, 0, 0.02);
  }
  apply([](torch::nn::Module& module) {
    if (auto* linear = module.as<torch::nn::Linear>()) {
      torch::nn::init::xavier_uniform_(linear->weight);
      torch::nn::init::zeros_(linear->bias);
    }
  });
  // Built after the initialization above, as the reference: DiffLoss keeps its own.
  DiffLossMlpConfig diffloss_config;
  diffloss_config.in_channels = config.token_embed_dim();
  diffloss_config.model_channels = config.diffloss_w;
  diffloss_config.out_channels = 2 * config.token_embed_dim();  // [eps, variance interpolation]
  diffloss_config.z_channels = D_dec;
  diffloss_config.num_res_blocks = config.diffloss_d;
  diffloss = register_module("diffloss", MarDiffLoss(diffloss_config));
}

torch::Tensor MarImpl::patchify(const torch::Tensor& x) const {
  const int64_t n = x.size(0), c = x.size(1), p = config_.patch_size, side = x.size(2) / p;
  return x.reshape({n, c, side, p, side, p}).permute({0, 2, 4, 1, 3, 5}).reshape({n, side * side, c * p * p});
}

torch::Tensor MarImpl::unpatchify(const torch::Tensor& tokens) const {
  const int64_t n = tokens.size(0), c = config_.vae_embed_dim, p = config_.patch_size, side = config_.seq_side();
  return tokens.reshape({n, side, side, c, p, p}).permute({0, 3, 1, 4, 2, 5}).reshape({n, c, side * p, side * p});
}

torch::Tensor MarImpl::class_embedding(const torch::Tensor& labels, const torch::Tensor& unconditional) {
  return torch::where(unconditional.unsqueeze(1), fake_latent, class_emb->forward(labels));
}

torch::Tensor MarImpl::forward_mae_encoder(const torch::Tensor& tokens, const torch::Tensor& mask,
                                           const torch::Tensor& class_embedding) {
  const auto projected = z_proj->forward(tokens);
  const int64_t n = projected.size(0), D = projected.size(2);
  auto x = torch::cat({class_embedding.unsqueeze(1).expand({n, config_.buffer_size, D}), projected}, 1);
  x = z_proj_ln->forward(x + encoder_pos_embed_learned);
  // Rows keep equally many tokens, so the kept ones (in position order) form [N, kept, D].
  x = x.index({kept_with_buffer(mask, config_.buffer_size)}).reshape({n, -1, D});
  return encoder_norm->forward(run_blocks(encoder_blocks, x));
}

torch::Tensor MarImpl::forward_mae_decoder(const torch::Tensor& encoded, const torch::Tensor& mask) {
  const auto x = decoder_embed->forward(encoded);
  const int64_t n = x.size(0), D = x.size(2);
  const auto kept = kept_with_buffer(mask, config_.buffer_size);
  auto padded = mask_token.expand({n, kept.size(1), D}).clone();
  padded.index_put_({kept}, x.reshape({-1, D}));
  auto h = decoder_norm->forward(run_blocks(decoder_blocks, padded + decoder_pos_embed_learned));
  return h.narrow(1, config_.buffer_size, config_.seq_len()) + diffusion_pos_embed_learned;
}

}  // namespace dact::models
