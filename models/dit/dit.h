#pragma once
// DiT, the diffusion transformer (Peebles & Xie 2023; facebookresearch/DiT
// models.py), with the energy mode of the energy-diffusion seed (models/dit/dit.py):
// there the prediction is multiplier * dE/dx for a scalar energy head on the tokens.
// Parameter names equal the reference state dict (x_embedder.proj, t_embedder.mlp.*,
// y_embedder.embedding_table, pos_embed, blocks.<i>.*, final_layer.*,
// energy_layer.energy_head.{0,2}), so its weights load with load_state_dict.
#include <torch/torch.h>

#include "models/dit/dit_block.h"
#include "models/dit/dit_config.h"
#include "models/dit/dit_embedders.h"

namespace dact::models {

struct DitEnergyOutput {
  torch::Tensor energy;      // [N, 1]
  torch::Tensor prediction;  // [N, C, H, W] = multiplier * d(sum energy)/dx
};

class DitImpl : public torch::nn::Module {
 public:
  // Weights are initialized as DiT's initialize_weights (xavier linears, N(0, 0.02)
  // embeddings, zeroed adaLN-Zero and output layers); pos_embed is fixed (no grad).
  explicit DitImpl(const DitConfig& config);

  // x: [N, C, H, W], t: [N] diffusion timesteps (may be fractional), y: [N] int64
  // labels (num_classes = null class). Returns [N, out_channels, H, W]; in energy mode
  // the energy prediction (see forward_energy).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y);

  // Energy mode only. The gradient is taken w.r.t. x (a fresh leaf if x does not
  // require grad) even under NoGradGuard; in training mode the graph of the gradient
  // is kept (create_graph) so a loss on the prediction trains the energy head and the
  // trunk by double backward.
  DitEnergyOutput forward_energy(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y);

  // The scalar energy E(x, t, y) [N, 1] (energy mode only).
  torch::Tensor energy(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y);

  const DitConfig& config() const { return config_; }
  int64_t out_channels() const { return out_channels_; }

  PatchEmbed x_embedder{nullptr};
  TimestepEmbedder t_embedder{nullptr};
  LabelEmbedder y_embedder{nullptr};
  torch::Tensor pos_embed;  // [1, T, D]; undefined with RoPE positions
  torch::nn::ModuleList blocks{nullptr};
  DitFinalLayer final_layer{nullptr};
  torch::nn::Sequential energy_head{nullptr};  // registered as energy_layer.energy_head

 private:
  // Tokens after the last block [N, T, D] and the conditioning c = t_emb + y_emb.
  std::pair<torch::Tensor, torch::Tensor> trunk(const torch::Tensor& x, const torch::Tensor& t,
                                                const torch::Tensor& y);
  torch::Tensor unpatchify(const torch::Tensor& tokens) const;
  void initialize_weights();

  DitConfig config_;
  int64_t out_channels_;
  torch::Tensor rope_angles_;
};
TORCH_MODULE(Dit);

}  // namespace dact::models
