#include "workers/trainer/adam.h"

#include <cmath>
#include <stdexcept>

namespace dact::workers::trainer {

Adam::Adam(std::vector<std::pair<std::string, torch::Tensor>> params, AdamOptions options,
           const std::map<std::string, double>& lr_multipliers)
    : options_(options) {
  size_t multiplied = 0;
  for (auto& [name, param] : params) {
    const bool decay = options_.weight_decay != 0 && applies_weight_decay(name, param, options_.no_weight_decay_names);
    const auto found = lr_multipliers.find(name);
    multiplied += found != lr_multipliers.end();
    const double multiplier = found != lr_multipliers.end() ? found->second : 1.0;
    slots_.push_back({name, param, torch::zeros_like(param), torch::zeros_like(param), decay, multiplier});
  }
  if (multiplied != lr_multipliers.size()) {
    std::string names;
    for (const auto& [name, factor] : lr_multipliers) names += (names.empty() ? "" : ", ") + name;
    throw std::invalid_argument("learning-rate multipliers name parameters the model does not train: " + names);
  }
}

void Adam::step(double lr) {
  torch::NoGradGuard no_grad;
  ++steps_taken_;
  const double bias_correction1 = 1 - std::pow(options_.beta1, steps_taken_);
  const double bias_correction2 = 1 - std::pow(options_.beta2, steps_taken_);
  const double bias_correction2_sqrt = std::sqrt(bias_correction2);
  for (Slot& slot : slots_) {
    const torch::Tensor& grad = slot.param.grad();
    if (!grad.defined()) continue;
    const double slot_lr = lr * slot.lr_multiplier;
    const double step_size = slot_lr / bias_correction1;
    // torch.optim.AdamW (_single_tensor_adamw): "Perform stepweight decay" first.
    if (slot.weight_decay) slot.param.mul_(1 - slot_lr * options_.weight_decay);
    slot.exp_avg.mul_(options_.beta1).add_(grad, 1 - options_.beta1);
    slot.exp_avg_sq.mul_(options_.beta2).addcmul_(grad, grad, 1 - options_.beta2);
    const torch::Tensor denom = (slot.exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(options_.eps);
    slot.param.addcdiv_(slot.exp_avg, denom, -step_size);
  }
}

std::vector<std::string> Adam::decayed_parameter_names() const {
  std::vector<std::string> names;
  for (const Slot& slot : slots_) {
    if (slot.weight_decay) names.push_back(slot.name);
  }
  return names;
}

std::map<std::string, torch::Tensor> Adam::state() const {
  std::map<std::string, torch::Tensor> state;
  for (const Slot& slot : slots_) {
    state["m/" + slot.name] = slot.exp_avg;
    state["v/" + slot.name] = slot.exp_avg_sq;
  }
  state["step"] = torch::tensor(steps_taken_, torch::kInt64);
  return state;
}

void Adam::load_state(const std::map<std::string, torch::Tensor>& state) {
  auto entry = [&](const std::string& key, const torch::Tensor& like) {
    const auto found = state.find(key);
    if (found == state.end()) throw std::invalid_argument("optimizer state lacks '" + key + "'");
    if (found->second.sizes() != like.sizes() || found->second.scalar_type() != like.scalar_type()) {
      throw std::invalid_argument("optimizer state '" + key + "' has the wrong shape or dtype");
    }
    return found->second;
  };
  torch::NoGradGuard no_grad;
  for (Slot& slot : slots_) {
    slot.exp_avg.copy_(entry("m/" + slot.name, slot.exp_avg));
    slot.exp_avg_sq.copy_(entry("v/" + slot.name, slot.exp_avg_sq));
  }
  steps_taken_ = entry("step", torch::tensor(int64_t{0})).item<int64_t>();
}

}  // namespace dact::workers::trainer
