#include "models/dit/dit_rope.h"

#include <stdexcept>

namespace dact::models {

torch::Tensor rope_2d_angles(int64_t grid_size, int64_t head_dim, double theta) {
  if (head_dim % 4 != 0) {
    throw std::invalid_argument("2-D RoPE needs head_dim divisible by 4, got " +
                                std::to_string(head_dim));
  }
  const int64_t freqs_per_axis = head_dim / 4;
  const auto freqs =
      torch::pow(theta, -torch::arange(freqs_per_axis, torch::kFloat64) / freqs_per_axis);
  const auto coords = torch::arange(grid_size, torch::kFloat64);
  const auto column = coords.repeat({grid_size});
  const auto row = coords.repeat_interleave(grid_size);
  return torch::cat({torch::outer(column, freqs), torch::outer(row, freqs)}, 1);
}

torch::Tensor apply_rope_2d(const torch::Tensor& x, const torch::Tensor& angles) {
  // Per axis a: [x1, x2] -> [x1 cos - x2 sin, x2 cos + x1 sin] (rotate-half layout).
  const auto sizes = x.sizes().vec();
  const int64_t quarter = sizes.back() / 4;
  const auto a = angles.to(x.options()).reshape({angles.size(0), 2, 1, quarter});
  const auto cos = a.cos(), sin = a.sin();
  auto parts = x.reshape({sizes[0], sizes[1], sizes[2], 2, 2, quarter});
  const auto x1 = parts.select(4, 0).unsqueeze(4), x2 = parts.select(4, 1).unsqueeze(4);
  const auto rotated = torch::cat({x1 * cos - x2 * sin, x2 * cos + x1 * sin}, 4);
  return rotated.reshape(sizes);
}

}  // namespace dact::models
