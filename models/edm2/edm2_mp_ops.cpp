#include "models/edm2/edm2_mp_ops.h"

#include <cmath>
#include <numeric>
#include <stdexcept>

namespace dact::models {

torch::Tensor normalize(const torch::Tensor& x, std::vector<int64_t> dims, double eps) {
  if (dims.empty()) {
    for (int64_t d = 1; d < x.dim(); ++d) dims.push_back(d);
  }
  torch::Tensor norm =
      at::linalg_vector_norm(x, 2, dims, /*keepdim=*/true, torch::kFloat32);
  const double alpha = std::sqrt(static_cast<double>(norm.numel()) / x.numel());
  norm = torch::add(torch::full({}, eps, norm.options()), norm, alpha);
  return x / norm.to(x.scalar_type());
}

ResampleMode resample_mode_from_name(const std::string& name) {
  if (name == "keep") return ResampleMode::keep;
  if (name == "down") return ResampleMode::down;
  if (name == "up") return ResampleMode::up;
  throw std::invalid_argument("resample mode '" + name + "': expected keep, down or up");
}

torch::Tensor resample(const torch::Tensor& x, const std::vector<double>& f, ResampleMode mode) {
  if (mode == ResampleMode::keep) return x;
  if (f.empty() || f.size() % 2 != 0) {
    throw std::invalid_argument("resample filter: expected an even, non-zero length");
  }
  // The default filter [1, 1] is a 2x2 box: average pooling down and nearest-neighbour
  // repetition up compute the same values, and on CPU far faster than the depthwise
  // (transposed) convolution (bench/results/unet_step.md).
  if (f.size() == 2 && f[0] == f[1]) {
    return mode == ResampleMode::down ? torch::avg_pool2d(x, 2)
                                      : torch::upsample_nearest2d(x, {2 * x.size(2), 2 * x.size(3)});
  }
  const double sum = std::accumulate(f.begin(), f.end(), 0.0);
  const auto taps = torch::tensor(std::vector<float>(f.begin(), f.end())) / static_cast<float>(sum);
  const int64_t pad = (static_cast<int64_t>(f.size()) - 1) / 2;
  const int64_t c = x.size(1);
  torch::Tensor filter = torch::outer(taps, taps).to(x.options()).unsqueeze(0).unsqueeze(0);
  if (mode == ResampleMode::down) {
    return torch::conv2d(x, filter.tile({c, 1, 1, 1}), {}, /*stride=*/2, /*padding=*/pad,
                         /*dilation=*/1, /*groups=*/c);
  }
  return torch::conv_transpose2d(x, (filter * 4).tile({c, 1, 1, 1}), {}, /*stride=*/2,
                                 /*padding=*/pad, /*output_padding=*/0, /*groups=*/c);
}

torch::Tensor mp_silu(const torch::Tensor& x) { return torch::silu(x) / 0.596; }

torch::Tensor mp_sum(const torch::Tensor& a, const torch::Tensor& b, double t) {
  return a.lerp(b, t) / std::sqrt((1 - t) * (1 - t) + t * t);
}

torch::Tensor mp_cat(const torch::Tensor& a, const torch::Tensor& b, int64_t dim, double t) {
  const double Na = static_cast<double>(a.size(dim));
  const double Nb = static_cast<double>(b.size(dim));
  const double C = std::sqrt((Na + Nb) / ((1 - t) * (1 - t) + t * t));
  const double wa = C / std::sqrt(Na) * (1 - t);
  const double wb = C / std::sqrt(Nb) * t;
  return torch::cat({wa * a, wb * b}, dim);
}

}  // namespace dact::models
