#pragma once
// DiT constructor arguments (Peebles & Xie 2023; facebookresearch/DiT models.py),
// plus the energy mode of the energy-diffusion seed and our two options (RoPE
// positions, SwiGLU MLP), and the named sizes DiT-{S,B,L,XL}/{2,4,8}.
#include <cstdint>
#include <string>
#include <vector>

namespace dact::models {

enum class DitPositions { absolute_sincos, rope };
// gelu_erf: exact GELU (timm's Mlp default, MAR's blocks).
enum class DitMlpKind { gelu_tanh, gelu_erf, swiglu };

struct DitConfig {
  int64_t input_size = 32;
  int64_t patch_size = 2;
  int64_t in_channels = 4;
  int64_t hidden_size = 1152;
  int64_t depth = 28;
  int64_t num_heads = 16;
  double mlp_ratio = 4.0;
  double class_dropout_prob = 0.1;  // > 0 adds the null-class row `num_classes`
  int64_t num_classes = 1000;
  bool learn_sigma = true;  // output channels 2C: [epsilon, variance interpolation]
  // Energy mode: the prediction is energy_gradient_multiplier * dE/dx, with
  // E = energy_head(mean over tokens of the last block) or, with
  // linear_then_mean, the mean over tokens of energy_head(token).
  bool use_energy = false;
  bool linear_then_mean = false;
  double energy_gradient_multiplier = 1.0;
  DitPositions positions = DitPositions::absolute_sincos;
  DitMlpKind mlp = DitMlpKind::gelu_tanh;
};

// "DiT-S/2" ... "DiT-XL/8" as in the paper's Table 1 (other fields at defaults), and
// "DiT-tiny/2" = the reference test net (8x8x4 input, width 64, depth 2, 4 heads,
// 10 classes). Unknown names throw std::invalid_argument listing the known ones.
DitConfig dit_named_config(const std::string& name);
std::vector<std::string> dit_config_names();

}  // namespace dact::models
