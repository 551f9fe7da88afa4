#include "models/diffusion/flow_matching.h"

#include <vector>

namespace dact::models {
namespace {

torch::Tensor per_sample(const torch::Tensor& t, const torch::Tensor& like) {
  std::vector<int64_t> shape(like.dim(), 1);
  shape[0] = like.size(0);
  return t.to(like.dtype()).reshape(shape);
}

}  // namespace

torch::Tensor rectified_flow_interpolate(const torch::Tensor& x0, const torch::Tensor& eps,
                                         const torch::Tensor& t) {
  const auto tt = per_sample(t, x0);
  return (1 - tt) * x0 + tt * eps;
}

torch::Tensor sample_logit_normal_times(int64_t n, double m, double s,
                                        const torch::TensorOptions& options) {
  return torch::sigmoid(m + s * torch::randn({n}, options));
}

torch::Tensor flow_matching_loss(const VelocityModel& model, const torch::Tensor& x0,
                                 const torch::Tensor& eps, const torch::Tensor& t) {
  const auto v = model(rectified_flow_interpolate(x0, eps, t), t);
  return (v - (eps - x0)).square().flatten(1).mean(1);
}

}  // namespace dact::models
