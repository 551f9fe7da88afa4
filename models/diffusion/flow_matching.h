#pragma once
// Rectified flow / flow matching (Liu et al. 2022; Lipman et al. 2022) in the
// convention of Esser et al. 2024 (SD3): x_t = (1 - t) x_0 + t eps, t = 1 is pure
// noise, and the network regresses the velocity v = eps - x_0.
#include <torch/torch.h>

#include <functional>

namespace dact::models {

// x_t = (1 - t) x0 + t eps; t: [N], broadcast over the other dimensions.
torch::Tensor rectified_flow_interpolate(const torch::Tensor& x0, const torch::Tensor& eps,
                                         const torch::Tensor& t);

// Logit-normal times t = sigmoid(m + s n), n ~ N(0, 1) (SD3 Eq. 19): [n] float32.
torch::Tensor sample_logit_normal_times(int64_t n, double m = 0, double s = 1,
                                        const torch::TensorOptions& options = {});

// v_theta(x_t, t) for a batch: x [N, ...], t [N].
using VelocityModel = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& t)>;

// Per-sample flow-matching loss mean ||v_theta(x_t, t) - (eps - x0)||^2 over the
// non-batch dimensions: [N].
torch::Tensor flow_matching_loss(const VelocityModel& model, const torch::Tensor& x0,
                                 const torch::Tensor& eps, const torch::Tensor& t);

}  // namespace dact::models
