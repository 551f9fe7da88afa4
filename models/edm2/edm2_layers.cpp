#include "models/edm2/edm2_layers.h"

#include <cmath>

#include "models/edm2/edm2_mp_ops.h"

namespace dact::models {

MPFourierImpl::MPFourierImpl(int64_t num_channels, double bandwidth) {
  freqs = register_buffer("freqs", 2 * M_PI * torch::randn({num_channels}) * bandwidth);
  phases = register_buffer("phases", 2 * M_PI * torch::rand({num_channels}));
}

torch::Tensor MPFourierImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = x.to(torch::kFloat32).outer(freqs.to(torch::kFloat32));
  y = y + phases.to(torch::kFloat32);
  return (y.cos() * std::sqrt(2.0)).to(x.scalar_type());
}

MPConvImpl::MPConvImpl(int64_t in_channels, int64_t out_channels_, std::vector<int64_t> kernel)
    : out_channels(out_channels_) {
  std::vector<int64_t> shape{out_channels, in_channels};
  shape.insert(shape.end(), kernel.begin(), kernel.end());
  weight = register_parameter("weight", torch::randn(shape));
}

torch::Tensor MPConvImpl::normalized_weight() {
  torch::Tensor w = weight.to(torch::kFloat32);
  if (is_training()) {
    torch::NoGradGuard no_grad;
    weight.copy_(normalize(w));  // forced weight normalization (EDM2 Eq. 66)
  }
  return normalize(w);  // traditional weight normalization
}

// Magnitude-preserving scaling by gain / sqrt(fan_in) (EDM2 Eq. 47).
torch::Tensor MPConvImpl::forward(const torch::Tensor& x, const torch::Tensor& gain) {
  torch::Tensor w = normalized_weight();
  const double sqrt_fan_in = std::sqrt(static_cast<double>(w[0].numel()));
  w = (gain.defined() ? w * (gain / sqrt_fan_in) : w * (1 / sqrt_fan_in)).to(x.scalar_type());
  if (w.dim() == 2) return torch::matmul(x, w.t());
  return torch::conv2d(x, w, {}, /*stride=*/1, /*padding=*/w.size(-1) / 2);
}

}  // namespace dact::models
