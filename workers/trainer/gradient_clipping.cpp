#include "workers/trainer/gradient_clipping.h"

#include <numeric>

namespace dact::workers::trainer {

torch::Tensor global_grad_norm(const std::vector<std::pair<std::string, torch::Tensor>>& params) {
  std::vector<torch::Tensor> norms;
  for (const auto& [name, param] : params) {
    const torch::Tensor& grad = param.grad();
    if (!grad.defined()) continue;
    // torch.norm(g, 2.0) is _VF.norm(g, 2.0, dim=range(g.dim())).
    std::vector<int64_t> dims(static_cast<size_t>(grad.dim()));
    std::iota(dims.begin(), dims.end(), int64_t{0});
    norms.push_back(torch::norm(grad.detach(), 2.0, dims, false));
  }
  if (norms.empty()) return torch::tensor(0.0f);
  const torch::Tensor stacked = torch::stack(norms);
  return torch::norm(stacked, 2.0, {0}, false);
}

double clip_grad_norm(const std::vector<std::pair<std::string, torch::Tensor>>& params, double max_norm) {
  torch::NoGradGuard no_grad;
  const torch::Tensor total_norm = global_grad_norm(params);
  // Python's `max_norm / tensor` is tensor.reciprocal() * max_norm (Tensor.__rdiv__).
  const torch::Tensor clip_coef = (total_norm + 1e-6).reciprocal() * max_norm;
  // clip_grad_norm_ multiplies even by a clamped 1 (no branch on the device's value).
  const torch::Tensor clip_coef_clamped = torch::clamp_max(clip_coef, 1.0);
  for (const auto& [name, param] : params) {
    if (param.grad().defined()) param.grad().detach().mul_(clip_coef_clamped);
  }
  return total_norm.item<double>();
}

}  // namespace dact::workers::trainer
