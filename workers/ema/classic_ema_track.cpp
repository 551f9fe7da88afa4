#include "workers/ema/classic_ema_track.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dact::workers::ema {

bool operator==(const ClassicEmaOptions& a, const ClassicEmaOptions& b) {
  return a.name == b.name && a.decay == b.decay && a.warmup == b.warmup && a.halflife_kimg == b.halflife_kimg &&
         a.rampup_ratio == b.rampup_ratio && a.batch == b.batch;
}

double classic_ema_beta(const ClassicEmaOptions& options, int64_t n) {
  if (options.halflife_kimg > 0) {
    const auto batch = static_cast<double>(options.batch);
    double halflife_nimg = options.halflife_kimg * 1000;
    if (options.rampup_ratio > 0) {
      halflife_nimg = std::min(halflife_nimg, static_cast<double>(n - 1) * batch * options.rampup_ratio);
    }
    return std::pow(0.5, batch / std::max(halflife_nimg, 1e-8));
  }
  if (!options.warmup) return options.decay;
  const auto steps = static_cast<double>(n);
  return std::min(options.decay, (1 + steps) / (10 + steps));
}

ClassicEmaTrack::ClassicEmaTrack(ClassicEmaOptions options, const NamedTensors& params, int64_t step)
    : options_(std::move(options)), step_(step) {
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : params) params_.emplace(name, tensor.detach().clone());
}

void ClassicEmaTrack::update(const NamedTensors& current_params, int64_t step) {
  const std::string track = "classic EMA track '" + options_.name + "'";
  if (step <= step_) {
    throw std::invalid_argument(track + ": update of step " + std::to_string(step) + " after step " +
                                std::to_string(step_));
  }
  if (current_params.size() != params_.size()) {
    throw std::invalid_argument(track + ": expected " + std::to_string(params_.size()) + " parameters, got " +
                                std::to_string(current_params.size()));
  }
  for (const auto& [name, ema] : params_) {
    const auto it = current_params.find(name);
    if (it == current_params.end()) throw std::invalid_argument(track + ": parameter '" + name + "' missing");
    if (!it->second.sizes().equals(ema.sizes()) || it->second.scalar_type() != ema.scalar_type()) {
      throw std::invalid_argument(track + ": parameter '" + name + "' changed shape or dtype");
    }
  }
  double beta = 1;
  for (int64_t n = step_ + 1; n <= step; ++n) beta *= classic_ema_beta(options_, n);
  torch::NoGradGuard no_grad;
  // DiT update_ema: ema.mul_(decay).add_(param, alpha=1 - decay).
  for (auto& [name, ema] : params_) ema.mul_(beta).add_(current_params.at(name), 1 - beta);
  step_ = step;
}

}  // namespace dact::workers::ema
