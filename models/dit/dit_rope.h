#pragma once
// 2-D axial rotary position embedding (RoPE, Su et al. 2021; axial 2-D form as in
// Heo et al. 2024 "Rotary Position Embedding for Vision Transformer"): the first half
// of each head's channels is rotated by the token's column, the second half by its
// row, each half with frequencies theta^(-k / (head_dim / 4)) in rotate-half layout.
#include <torch/torch.h>

namespace dact::models {

// Rotation angles [grid_size^2, head_dim / 2] for row-major tokens of a square grid.
torch::Tensor rope_2d_angles(int64_t grid_size, int64_t head_dim, double theta = 10000);

// Rotates q or k [N, heads, tokens, head_dim] by `angles` from rope_2d_angles.
torch::Tensor apply_rope_2d(const torch::Tensor& x, const torch::Tensor& angles);

}  // namespace dact::models
