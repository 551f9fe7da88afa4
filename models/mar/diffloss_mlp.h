#pragma once
// MAR's DiffLoss denoiser (Li et al. 2024; LTH14/mar models/diffloss.py
// SimpleMLPAdaLN): an MLP of adaLN residual blocks on one token, conditioned on the
// timestep and the autoregressive model's vector z. State-dict names: time_embed.*,
// cond_embed, input_proj, res_blocks.<i>.{in_ln, mlp.0, mlp.2, adaLN_modulation.1},
// final_layer.{linear, adaLN_modulation.1}.
#include <torch/torch.h>

#include "models/diffusion/ddpm_diffusion.h"
#include "models/dit/dit_block.h"
#include "models/dit/dit_embedders.h"

namespace dact::models {

struct DiffLossMlpConfig {
  int64_t in_channels = 16;
  int64_t model_channels = 1024;
  int64_t out_channels = 32;  // 2 * in_channels: [eps, variance interpolation]
  int64_t z_channels = 768;
  int64_t num_res_blocks = 3;
};

// x + gate * mlp(modulate(LayerNorm(x), shift, scale)), (shift, scale, gate) from c.
class DiffLossResBlockImpl : public torch::nn::Module {
 public:
  explicit DiffLossResBlockImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& c);

  torch::nn::LayerNorm in_ln{nullptr};
  torch::nn::Sequential mlp{nullptr}, adaLN_modulation{nullptr};
};
TORCH_MODULE(DiffLossResBlock);

class DiffLossMlpImpl : public torch::nn::Module {
 public:
  // Weights initialized as the reference (xavier linears, N(0, 0.02) time MLP,
  // zeroed adaLN and output layers).
  explicit DiffLossMlpImpl(const DiffLossMlpConfig& config);
  // x: [N, in_channels], t: [N] timesteps, c: [N, z_channels] -> [N, out_channels].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& c);

  TimestepEmbedder time_embed{nullptr};
  torch::nn::Linear cond_embed{nullptr}, input_proj{nullptr};
  torch::nn::ModuleList res_blocks{nullptr};
  DitFinalLayer final_layer{nullptr};
};
TORCH_MODULE(DiffLossMlp);

// MAR's forward_with_cfg for a model output [eps, rest]: rows [0, B) of x are
// evaluated twice (conditional first half, unconditional second half of the
// model's conditioning), and both halves get eps_u + cfg (eps_c - eps_u) while
// `rest` (the variance channels) stays per row. in_channels = width of eps.
torch::Tensor mar_forward_with_cfg(const DdpmModel& model, const torch::Tensor& x, const torch::Tensor& t,
                                   double cfg_scale, int64_t in_channels);

}  // namespace dact::models
