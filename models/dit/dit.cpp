#include "models/dit/dit.h"

#include <stdexcept>

#include "models/dit/dit_rope.h"

namespace dact::models {
namespace {

// The seed's energy layer: Linear(D, D/2), SiLU, Linear(D/2, 1).
class EnergyLayerImpl : public torch::nn::Module {
 public:
  explicit EnergyLayerImpl(int64_t hidden_size) {
    energy_head = register_module(
        "energy_head", torch::nn::Sequential(torch::nn::Linear(hidden_size, hidden_size / 2),
                                             torch::nn::SiLU(),
                                             torch::nn::Linear(hidden_size / 2, 1)));
  }
  torch::nn::Sequential energy_head{nullptr};
};
TORCH_MODULE(EnergyLayer);

void xavier_linear_init(torch::nn::Module& module) {
  if (auto* linear = module.as<torch::nn::Linear>()) {
    torch::nn::init::xavier_uniform_(linear->weight);
    torch::nn::init::zeros_(linear->bias);
  }
}

}  // namespace

DitImpl::DitImpl(const DitConfig& config) : config_(config) {
  if (config.input_size % config.patch_size != 0 || config.hidden_size % config.num_heads != 0) {
    throw std::invalid_argument("DiT: input_size must be a multiple of patch_size and "
                                "hidden_size a multiple of num_heads");
  }
  out_channels_ = config.learn_sigma ? 2 * config.in_channels : config.in_channels;
  const int64_t grid = config.input_size / config.patch_size;
  x_embedder = register_module(
      "x_embedder", PatchEmbed(config.patch_size, config.in_channels, config.hidden_size));
  t_embedder = register_module("t_embedder", TimestepEmbedder(config.hidden_size));
  // An unconditional DiT (num_classes 0) has no label embedding: c is the timestep's alone.
  if (config.num_classes > 0) {
    y_embedder = register_module(
        "y_embedder", LabelEmbedder(config.num_classes, config.hidden_size, config.class_dropout_prob));
  }
  if (config.positions == DitPositions::absolute_sincos) {
    pos_embed = register_parameter(
        "pos_embed",
        sincos_pos_embed_2d(config.hidden_size, grid).to(torch::kFloat32).unsqueeze(0),
        /*requires_grad=*/false);
  } else {
    rope_angles_ = rope_2d_angles(grid, config.hidden_size / config.num_heads);
  }
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.depth; ++i) {
    blocks->push_back(DitBlock(config.hidden_size, config.num_heads, config.mlp_ratio, config.mlp));
  }
  // The seed's energy mode sets out_channels = 1 and still builds the (unused) final
  // layer, so it has patch^2 * 1 outputs per token; keep that shape so its weights load.
  const int64_t final_features = config.patch_size * config.patch_size * (config.use_energy ? 1 : out_channels_);
  final_layer = register_module("final_layer", DitFinalLayer(config.hidden_size, final_features));
  if (config.use_energy) {
    auto energy_layer = register_module("energy_layer", EnergyLayer(config.hidden_size));
    energy_head = energy_layer->energy_head;
  }
  initialize_weights();
}

void DitImpl::initialize_weights() {
  // DiT initialize_weights.
  torch::NoGradGuard no_grad;
  apply(xavier_linear_init);
  const auto patch_weight = x_embedder->proj->weight;
  torch::nn::init::xavier_uniform_(patch_weight.view({patch_weight.size(0), -1}));
  torch::nn::init::zeros_(x_embedder->proj->bias);
  if (y_embedder) torch::nn::init::normal_(y_embedder->embedding_table->weight, 0, 0.02);
  for (size_t index : {0, 2}) {
    torch::nn::init::normal_(t_embedder->mlp[index]->as<torch::nn::Linear>()->weight, 0, 0.02);
  }
  auto zero_linear = [](const std::shared_ptr<torch::nn::Module>& module) {
    auto* linear = module->as<torch::nn::Linear>();
    torch::nn::init::zeros_(linear->weight);
    torch::nn::init::zeros_(linear->bias);
  };
  for (const auto& block : *blocks) {
    zero_linear(block->as<DitBlockImpl>()->adaLN_modulation[1]);
  }
  zero_linear(final_layer->adaLN_modulation[1]);
  zero_linear(final_layer->linear.ptr());
}

std::pair<torch::Tensor, torch::Tensor> DitImpl::trunk(const torch::Tensor& x, const torch::Tensor& t,
                                                       const torch::Tensor& y) {
  auto tokens = x_embedder->forward(x);
  if (pos_embed.defined()) {
    tokens = tokens + pos_embed;
  }
  const auto c = y_embedder ? t_embedder->forward(t) + y_embedder->forward(y) : t_embedder->forward(t);
  for (const auto& block : *blocks) {
    tokens = block->as<DitBlockImpl>()->forward(tokens, c, rope_angles_);
  }
  return {tokens, c};
}

torch::Tensor DitImpl::unpatchify(const torch::Tensor& tokens) const {
  // [N, T, p*p*c] -> [N, c, h*p, w*p] (einsum nhwpqc->nchpwq).
  const int64_t p = config_.patch_size, grid = config_.input_size / p, c = out_channels_;
  return tokens.reshape({tokens.size(0), grid, grid, p, p, c})
      .permute({0, 5, 1, 3, 2, 4})
      .reshape({tokens.size(0), c, grid * p, grid * p});
}

torch::Tensor DitImpl::forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y) {
  if (config_.use_energy) {
    return forward_energy(x, t, y).prediction;
  }
  const auto [tokens, c] = trunk(x, t, y);
  return unpatchify(final_layer->forward(tokens, c));
}

torch::Tensor DitImpl::energy(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y) {
  if (!config_.use_energy) {
    throw std::logic_error("DiT::energy needs a config with use_energy");
  }
  const auto tokens = trunk(x, t, y).first;
  if (config_.linear_then_mean) {
    return energy_head->forward(tokens).mean(1);
  }
  return energy_head->forward(tokens.mean(1));
}

DitEnergyOutput DitImpl::forward_energy(const torch::Tensor& x, const torch::Tensor& t,
                                        const torch::Tensor& y) {
  torch::AutoGradMode grad_mode(true);
  const auto input = x.requires_grad() ? x : x.detach().requires_grad_(true);
  const auto e = energy(input, t, y);
  const auto gradient = torch::autograd::grad({e.sum()}, {input}, /*grad_outputs=*/{},
                                              /*retain_graph=*/is_training(),
                                              /*create_graph=*/is_training())[0];
  return {e, config_.energy_gradient_multiplier * gradient};
}

}  // namespace dact::models
