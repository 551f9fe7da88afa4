#pragma once
// Adam (Kingma & Ba 2015, Algorithm 1) exactly as torch.optim.Adam computes it
// (single-tensor path, no amsgrad), or with weight_decay > 0 AdamW (Loshchilov & Hutter
// 2019) exactly as torch.optim.AdamW, with its state held by parameter name so
// checkpoints store and restore it bit for bit (the same state for both).
// Not thread-safe: the trainer's gradient loop owns it.
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "workers/trainer/weight_decay_rule.h"

namespace dact::workers::trainer {

struct AdamOptions {
  double beta1 = 0.9;
  double beta2 = 0.99;  // EDM2 training_loop.py: betas=(0.9, 0.99)
  double eps = 1e-8;
  // Decoupled weight decay: param *= 1 - lr * weight_decay before the Adam update, for
  // the parameters applies_weight_decay() selects. 0 = plain Adam (EDM2, whose forced
  // weight normalization makes decay meaningless); DiT uses 0, MAR 0.02.
  double weight_decay = 0;
  std::vector<std::string> no_weight_decay_names = default_no_weight_decay_names();
};

class Adam {
 public:
  // `params` are the trained parameters (name -> tensor that aliases the module's).
  // `lr_multipliers` (name -> factor, default 1) give a parameter its own learning
  // rate, lr * factor, as a torch param group with its own lr would (weight decay then
  // uses that lr too); a name that is not a parameter throws std::invalid_argument.
  Adam(std::vector<std::pair<std::string, torch::Tensor>> params, AdamOptions options,
       const std::map<std::string, double>& lr_multipliers = {});

  // One update with base learning rate `lr` from the parameters' current .grad().
  // A parameter without a gradient is left unchanged (as in PyTorch).
  void step(double lr);

  // m_<name>, v_<name> moments and the step count, for checkpoints.
  std::map<std::string, torch::Tensor> state() const;
  // Restores state(); throws std::invalid_argument naming a missing or misshapen entry.
  void load_state(const std::map<std::string, torch::Tensor>& state);

  int64_t steps_taken() const { return steps_taken_; }
  // Names of the parameters weight decay applies to (empty when weight_decay is 0).
  std::vector<std::string> decayed_parameter_names() const;

 private:
  struct Slot {
    std::string name;
    torch::Tensor param;
    torch::Tensor exp_avg;     // m_t
    torch::Tensor exp_avg_sq;  // v_t
    bool weight_decay;         // applies_weight_decay(name, param)
    double lr_multiplier;
  };
  std::vector<Slot> slots_;
  AdamOptions options_;
  int64_t steps_taken_ = 0;
};

}  // namespace dact::workers::trainer
