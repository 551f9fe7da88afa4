#include "models/dit/dit_block.h"

#include "models/dit/dit_rope.h"

namespace dact::models {
namespace {

// LayerNorm without affine parameters, eps 1e-6 (DiT norm1 / norm2 / norm_final).
torch::Tensor plain_layer_norm(const torch::Tensor& x) {
  return torch::layer_norm(x, {x.size(-1)}, {}, {}, 1e-6);
}

torch::nn::Sequential ada_ln_modulation(int64_t hidden_size, int64_t chunks) {
  return torch::nn::Sequential(torch::nn::SiLU(), torch::nn::Linear(hidden_size, chunks * hidden_size));
}

}  // namespace

torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale) {
  return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1);
}

DitAttentionImpl::DitAttentionImpl(int64_t dim, int64_t num_heads) : num_heads(num_heads) {
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor DitAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& rope_angles) {
  const int64_t batch = x.size(0), tokens = x.size(1), dim = x.size(2);
  const int64_t head_dim = dim / num_heads;
  // unbind, not three selects: its backward stacks the three gradients once instead of
  // scattering each into a zero tensor of the full qkv size.
  const auto qkv_heads =
      qkv->forward(x).reshape({batch, tokens, 3, num_heads, head_dim}).permute({2, 0, 3, 1, 4}).unbind(0);
  auto q = qkv_heads[0], k = qkv_heads[1];
  const auto& v = qkv_heads[2];
  if (rope_angles.defined()) {
    q = apply_rope_2d(q, rope_angles);
    k = apply_rope_2d(k, rope_angles);
  }
  // softmax(q k^T / sqrt(head_dim)) v, as timm's Attention (scale folded into q).
  const auto attention = torch::softmax(torch::matmul(q * (1.0 / std::sqrt(double(head_dim))),
                                                      k.transpose(-2, -1)),
                                        -1);
  const auto out = torch::matmul(attention, v).transpose(1, 2).reshape({batch, tokens, dim});
  return proj->forward(out);
}

DitMlpImpl::DitMlpImpl(int64_t dim, double mlp_ratio, DitMlpKind kind) : kind(kind) {
  const auto hidden = static_cast<int64_t>(dim * mlp_ratio);
  if (kind != DitMlpKind::swiglu) {
    fc1 = register_module("fc1", torch::nn::Linear(dim, hidden));
    fc2 = register_module("fc2", torch::nn::Linear(hidden, dim));
  } else {
    const int64_t swiglu_hidden = 2 * hidden / 3;
    fc1 = register_module("fc1", torch::nn::Linear(dim, 2 * swiglu_hidden));
    fc2 = register_module("fc2", torch::nn::Linear(swiglu_hidden, dim));
  }
}

torch::Tensor DitMlpImpl::forward(const torch::Tensor& x) {
  const auto h = fc1->forward(x);
  if (kind == DitMlpKind::gelu_tanh) return fc2->forward(torch::gelu(h, "tanh"));
  if (kind == DitMlpKind::gelu_erf) return fc2->forward(torch::gelu(h));
  const auto value_gate = h.chunk(2, -1);
  return fc2->forward(value_gate[0] * torch::silu(value_gate[1]));
}

DitBlockImpl::DitBlockImpl(int64_t hidden_size, int64_t num_heads, double mlp_ratio, DitMlpKind mlp_kind) {
  attn = register_module("attn", DitAttention(hidden_size, num_heads));
  mlp = register_module("mlp", DitMlp(hidden_size, mlp_ratio, mlp_kind));
  adaLN_modulation = register_module("adaLN_modulation", ada_ln_modulation(hidden_size, 6));
}

torch::Tensor DitBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& c,
                                    const torch::Tensor& rope_angles) {
  const auto m = adaLN_modulation->forward(c).chunk(6, 1);
  const auto &shift_msa = m[0], &scale_msa = m[1], &gate_msa = m[2];
  const auto &shift_mlp = m[3], &scale_mlp = m[4], &gate_mlp = m[5];
  const auto h = x + gate_msa.unsqueeze(1) *
                         attn->forward(modulate(plain_layer_norm(x), shift_msa, scale_msa), rope_angles);
  return h + gate_mlp.unsqueeze(1) * mlp->forward(modulate(plain_layer_norm(h), shift_mlp, scale_mlp));
}

DitFinalLayerImpl::DitFinalLayerImpl(int64_t hidden_size, int64_t out_features) {
  linear = register_module("linear", torch::nn::Linear(hidden_size, out_features));
  adaLN_modulation = register_module("adaLN_modulation", ada_ln_modulation(hidden_size, 2));
}

torch::Tensor DitFinalLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& c) {
  const auto shift_scale = adaLN_modulation->forward(c).chunk(2, 1);
  return linear->forward(modulate(plain_layer_norm(x), shift_scale[0], shift_scale[1]));
}

}  // namespace dact::models
