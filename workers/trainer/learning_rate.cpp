#include "workers/trainer/learning_rate.h"

#include <algorithm>
#include <cmath>

#include "workers/trainer/learning_rate_schedule.h"

namespace dact::workers::trainer {

std::optional<LrSchedule> lr_schedule_named(const std::string& name) {
  if (name == "edm2") return LrSchedule::kEdm2;
  if (name == "constant") return LrSchedule::kConstant;
  if (name == "cosine") return LrSchedule::kCosine;
  return std::nullopt;
}

double scaled_base_lr(double base_lr, int64_t batch_size) {
  return base_lr * static_cast<double>(batch_size) / 256;
}

double linear_warmup(double nimg, double warmup_nimg) {
  return warmup_nimg > 0 ? std::min(nimg / warmup_nimg, 1.0) : 1.0;
}

double half_cosine_decay(double lr, double min_lr, double progress) {
  return min_lr + (lr - min_lr) * 0.5 * (1 + std::cos(M_PI * progress));
}

double learning_rate_at(const TrainerConfig& config, int64_t cur_nimg) {
  if (config.lr_schedule == LrSchedule::kEdm2) {
    return learning_rate_schedule(cur_nimg, config.batch, config.ref_lr, config.ref_batches, config.rampup_Mimg);
  }
  const auto nimg = static_cast<double>(cur_nimg);
  const double warmup_nimg = config.warmup_kimg * 1000;
  const double peak = scaled_base_lr(config.base_lr, config.batch);
  // MAR: warm-up first, the decay only from its end on, so the cosine starts at the peak.
  if (nimg < warmup_nimg) return peak * linear_warmup(nimg, warmup_nimg);
  if (config.lr_schedule == LrSchedule::kConstant) return peak;
  const double progress = (nimg - warmup_nimg) / (config.decay_end_kimg * 1000 - warmup_nimg);
  return half_cosine_decay(peak, config.min_lr, std::clamp(progress, 0.0, 1.0));
}

}  // namespace dact::workers::trainer
