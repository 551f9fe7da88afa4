#include "models/diffusion/denoiser_jvp.h"

#include <glog/logging.h>
#include <torch/csrc/autograd/forward_grad.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <regex>
#include <string>
#include <utility>

namespace dact::models {
namespace {

torch::Tensor sigma_batch_of(const torch::Tensor& x, double sigma) {
  return torch::full({x.size(0)}, sigma, x.options());
}

// A dual level for the lifetime of the object (Python's forward_ad.dual_level()).
class DualLevel {
 public:
  DualLevel() : level_(torch::autograd::ForwardADLevel::get_next_idx()) {}
  ~DualLevel() { torch::autograd::ForwardADLevel::release_idx(level_); }
  DualLevel(const DualLevel&) = delete;
  DualLevel& operator=(const DualLevel&) = delete;
  int64_t index() const { return static_cast<int64_t>(level_); }

 private:
  uint64_t level_;
};

DenoiserTangent dual_pass(const BatchSigmaDenoiser& denoiser, const torch::Tensor& x, double sigma,
                          const torch::Tensor& dx, double dsigma) {
  const DualLevel level;
  const auto sigma_batch = at::_make_dual(sigma_batch_of(x, sigma), sigma_batch_of(x, dsigma), level.index());
  const auto D = denoiser(at::_make_dual(x, dx, level.index()), sigma, sigma_batch);
  auto [primal, tangent] = at::_unpack_dual(D, level.index());
  // The copies outlive the level; an undefined tangent means D does not depend on (x, sigma).
  return {primal.clone(), tangent.defined() ? tangent.clone() : torch::zeros_like(primal)};
}

// LibTorch 1.13's message for an op without a forward-mode formula: "Trying to use
// forward AD with <op> that does not support it ...". Empty for any other error.
std::string op_without_forward_ad(const c10::Error& error) {
  static const std::regex pattern("forward AD with (\\S+) that does not support it");
  std::smatch match;
  const std::string message = error.what_without_backtrace();
  return std::regex_search(message, match, pattern) ? match[1].str() : std::string();
}

}  // namespace

DenoiserTangent central_difference_jvp(const BatchSigmaDenoiser& denoiser, const torch::Tensor& x, double sigma,
                                       const torch::Tensor& dx, double dsigma) {
  // h balances truncation (h^2) against rounding (eps / h): the cube root of eps.
  const double relative_step = x.scalar_type() == torch::kFloat64 ? 1e-5 : 5e-3;
  const double dx_norm = dx.norm().item<double>(), x_norm = x.norm().item<double>();
  double h = relative_step * std::max(x_norm, 1.0) / std::max(dx_norm, 1e-30);
  if (dsigma != 0) h = std::min(h, 0.5 * sigma / std::abs(dsigma));
  const auto plus = denoiser(x + h * dx, sigma + h * dsigma, sigma_batch_of(x, sigma + h * dsigma));
  const auto minus = denoiser(x - h * dx, sigma - h * dsigma, sigma_batch_of(x, sigma - h * dsigma));
  return {denoiser(x, sigma, sigma_batch_of(x, sigma)), (plus - minus) / (2 * h)};
}

DenoiserJvp forward_mode_jvp(BatchSigmaDenoiser denoiser) {
  auto use_difference = std::make_shared<bool>(false);
  return [denoiser = std::move(denoiser), use_difference](const torch::Tensor& x, double sigma,
                                                            const torch::Tensor& dx, double dsigma) {
    if (!*use_difference) {
      try {
        return dual_pass(denoiser, x, sigma, dx, dsigma);
      } catch (const c10::Error& error) {
        const std::string op = op_without_forward_ad(error);
        if (op.empty()) throw;
        LOG(WARNING) << "the network's op " << op
                     << " has no forward-mode AD in this LibTorch: the sampler's Jacobian-vector products fall "
                        "back to central finite differences (three network passes each)";
        *use_difference = true;
      }
    }
    return central_difference_jvp(denoiser, x, sigma, dx, dsigma);
  };
}

Denoiser plain_denoiser(BatchSigmaDenoiser denoiser) {
  return [denoiser = std::move(denoiser)](const torch::Tensor& x, double sigma) {
    return denoiser(x, sigma, sigma_batch_of(x, sigma));
  };
}

}  // namespace dact::models
