#pragma once
// The trainer's optimizer step, as a run config's `trainer` section chooses it: the
// learning-rate schedule (learning_rate.h), gradient-norm clipping (gradient_clipping.h)
// and Adam or AdamW (adam.h), applied in that order to the all-reduced gradients, as a
// PyTorch loop of clip_grad_norm_ then optimizer.step() would. With EDM2's defaults it
// is exactly EDM2's Adam step.
// Not thread-safe: the trainer's gradient loop owns it.
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "workers/trainer/adam.h"
#include "workers/trainer/trainer_config.h"

namespace dact::workers::trainer {

class Optimizer {
 public:
  // `params` alias the module's parameters (name -> tensor); `config` is copied;
  // `lr_multipliers` as in Adam (the model family's, models::Model).
  Optimizer(std::vector<std::pair<std::string, torch::Tensor>> params, const TrainerConfig& config,
            const std::map<std::string, double>& lr_multipliers = {});

  // The update of the step that starts after `cur_nimg` images, from the parameters' .grad().
  void step(int64_t cur_nimg);

  // The lr step(cur_nimg) uses.
  double learning_rate(int64_t cur_nimg) const;

  // Adds this optimizer's fields to a progress line and starts a new interval:
  // "grad_norm", the mean global gradient norm before clipping over the interval's
  // steps, when clipping is on.
  void report_into(nlohmann::json& line);

  // The Adam state (adam.h), for checkpoints; clipping and schedule are stateless.
  std::map<std::string, torch::Tensor> state() const { return adam_.state(); }
  void load_state(const std::map<std::string, torch::Tensor>& state) { adam_.load_state(state); }

 private:
  std::vector<std::pair<std::string, torch::Tensor>> params_;
  TrainerConfig config_;
  Adam adam_;
  double grad_norm_sum_ = 0;
  int64_t grad_norm_steps_ = 0;
};

}  // namespace dact::workers::trainer
