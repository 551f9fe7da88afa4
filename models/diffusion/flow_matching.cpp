#include "models/diffusion/flow_matching.h"

#include <vector>

#include "models/diffusion/per_sample.h"

namespace dact::models {

torch::Tensor rectified_flow_interpolate(const torch::Tensor& x0, const torch::Tensor& eps,
                                         const torch::Tensor& t) {
  const auto tt = per_sample(t.to(x0.dtype()), x0);
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
