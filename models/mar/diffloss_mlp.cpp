#include "models/mar/diffloss_mlp.h"

#include "models/diffusion/guidance.h"

namespace dact::models {
namespace {

torch::nn::Sequential ada_ln(int64_t channels, int64_t chunks) {
  return torch::nn::Sequential(torch::nn::SiLU(), torch::nn::Linear(channels, chunks * channels));
}

void zero_linear(torch::nn::Linear& linear) {
  torch::nn::init::zeros_(linear->weight);
  torch::nn::init::zeros_(linear->bias);
}

}  // namespace

DiffLossResBlockImpl::DiffLossResBlockImpl(int64_t channels) {
  in_ln = register_module("in_ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels}).eps(1e-6)));
  mlp = register_module("mlp", torch::nn::Sequential(torch::nn::Linear(channels, channels), torch::nn::SiLU(),
                                                     torch::nn::Linear(channels, channels)));
  adaLN_modulation = register_module("adaLN_modulation", ada_ln(channels, 3));
}

torch::Tensor DiffLossResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& c) {
  const auto m = adaLN_modulation->forward(c).chunk(3, -1);  // shift, scale, gate
  const auto h = mlp->forward(in_ln->forward(x) * (1 + m[1]) + m[0]);
  return x + m[2] * h;
}

DiffLossMlpImpl::DiffLossMlpImpl(const DiffLossMlpConfig& config) {
  time_embed = register_module("time_embed", TimestepEmbedder(config.model_channels));
  cond_embed = register_module("cond_embed", torch::nn::Linear(config.z_channels, config.model_channels));
  input_proj = register_module("input_proj", torch::nn::Linear(config.in_channels, config.model_channels));
  res_blocks = register_module("res_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_res_blocks; ++i) {
    res_blocks->push_back(DiffLossResBlock(config.model_channels));
  }
  final_layer = register_module("final_layer", DitFinalLayer(config.model_channels, config.out_channels));

  torch::NoGradGuard no_grad;
  apply([](torch::nn::Module& module) {
    if (auto* linear = module.as<torch::nn::Linear>()) {
      torch::nn::init::xavier_uniform_(linear->weight);
      torch::nn::init::zeros_(linear->bias);
    }
  });
  for (size_t index : {0, 2}) {
    torch::nn::init::normal_(time_embed->mlp[index]->as<torch::nn::Linear>()->weight, 0, 0.02);
  }
  for (const auto& block : *res_blocks) {
    auto linear = block->as<DiffLossResBlockImpl>()->adaLN_modulation->ptr<torch::nn::LinearImpl>(1);
    torch::nn::init::zeros_(linear->weight);
    torch::nn::init::zeros_(linear->bias);
  }
  auto final_modulation = torch::nn::Linear(final_layer->adaLN_modulation->ptr<torch::nn::LinearImpl>(1));
  zero_linear(final_modulation);
  zero_linear(final_layer->linear);
}

torch::Tensor DiffLossMlpImpl::forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& c) {
  auto h = input_proj->forward(x);
  const auto y = time_embed->forward(t) + cond_embed->forward(c);
  for (const auto& block : *res_blocks) {
    h = block->as<DiffLossResBlockImpl>()->forward(h, y);
  }
  return final_layer->forward(h.unsqueeze(1), y).squeeze(1);
}

torch::Tensor mar_forward_with_cfg(const DdpmModel& model, const torch::Tensor& x, const torch::Tensor& t,
                                   double cfg_scale, int64_t in_channels) {
  const auto half = x.narrow(0, 0, x.size(0) / 2);
  const auto out = model(torch::cat({half, half}), t);
  const auto eps = out.narrow(1, 0, in_channels), rest = out.narrow(1, in_channels, out.size(1) - in_channels);
  const auto cond_uncond = eps.chunk(2);
  const auto half_eps = guided(cond_uncond[0], cond_uncond[1], cfg_scale);
  return torch::cat({torch::cat({half_eps, half_eps}), rest}, 1);
}

}  // namespace dact::models
