#include "workers/ema/power_ema_track.h"

#include <stdexcept>

#include "workers/ema/phema.h"

namespace dact::workers::ema {

PowerEmaTrack::PowerEmaTrack(double std, const NamedTensors& initial_params) : std_(std) {
  std_to_exp(std);  // rejects a std without a profile before any update
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : initial_params) {
    params_.emplace(name, tensor.detach().clone());
  }
}

// phema.py PowerFunctionEMA.update.
void PowerEmaTrack::update(const NamedTensors& current_params, int64_t cur_nimg,
                           int64_t batch_size) {
  if (current_params.size() != params_.size()) {
    throw std::invalid_argument("PowerEmaTrack: expected " + std::to_string(params_.size()) +
                                " parameters, got " + std::to_string(current_params.size()));
  }
  for (const auto& [name, ema] : params_) {
    const auto it = current_params.find(name);
    if (it == current_params.end()) {
      throw std::invalid_argument("PowerEmaTrack: parameter '" + name + "' missing in update");
    }
    if (!it->second.sizes().equals(ema.sizes()) ||
        it->second.scalar_type() != ema.scalar_type()) {
      throw std::invalid_argument("PowerEmaTrack: parameter '" + name +
                                  "' changed shape or dtype");
    }
  }
  const double beta = power_function_beta(std_, static_cast<double>(cur_nimg),
                                          static_cast<double>(batch_size));
  torch::NoGradGuard no_grad;
  for (auto& [name, ema] : params_) {
    ema.lerp_(current_params.at(name), 1 - beta);
  }
}

}  // namespace dact::workers::ema
