#include "workers/trainer/optimizer.h"

#include "workers/trainer/gradient_clipping.h"
#include "workers/trainer/learning_rate.h"

namespace dact::workers::trainer {

Optimizer::Optimizer(std::vector<std::pair<std::string, torch::Tensor>> params, const TrainerConfig& config,
                     const std::map<std::string, double>& lr_multipliers)
    : params_(std::move(params)), config_(config), adam_(params_, config.adam, lr_multipliers) {}

void Optimizer::step(int64_t cur_nimg) {
  if (config_.clip_grad_norm > 0) {
    grad_norm_sum_ += clip_grad_norm(params_, config_.clip_grad_norm);
    ++grad_norm_steps_;
  }
  adam_.step(learning_rate(cur_nimg));
}

double Optimizer::learning_rate(int64_t cur_nimg) const { return learning_rate_at(config_, cur_nimg); }

void Optimizer::report_into(nlohmann::json& line) {
  if (config_.clip_grad_norm > 0) {
    line["grad_norm"] = grad_norm_steps_ > 0 ? grad_norm_sum_ / static_cast<double>(grad_norm_steps_) : 0.0;
  }
  grad_norm_sum_ = 0;
  grad_norm_steps_ = 0;
}

}  // namespace dact::workers::trainer
