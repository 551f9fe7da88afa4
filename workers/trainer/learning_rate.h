#pragma once
// The learning rate of every optimizer step under the schedule a run config chooses
// (trainer.lr_schedule). "edm2" is EDM2's learning_rate_schedule (learning_rate_schedule.h);
// "constant" and "cosine" are the DiT/MAR recipe (MAR util/lr_sched.py
// adjust_learning_rate, with images in place of epochs):
//   peak = base_lr * batch / 256
//   nimg <  warmup:  lr = peak * nimg / warmup
//   constant:        lr = peak
//   cosine:          lr = min_lr + (peak - min_lr) * 0.5 * (1 + cos(pi * progress)),
//                    progress = clamp((nimg - warmup) / (decay_end - warmup), 0, 1)
// where nimg counts the images trained before the step (step * batch).
#include <cstdint>
#include <optional>
#include <string>

#include "workers/trainer/trainer_config.h"

namespace dact::workers::trainer {

// "edm2", "constant", "cosine"; nullopt for any other name.
std::optional<LrSchedule> lr_schedule_named(const std::string& name);

// The linear scaling rule (Goyal et al. 2017) as DiT and MAR apply it: lr = base_lr * batch / 256.
double scaled_base_lr(double base_lr, int64_t batch_size);

// Linear warm-up: the factor nimg / warmup_nimg up to warmup_nimg, 1 after (and when warmup_nimg <= 0).
double linear_warmup(double nimg, double warmup_nimg);

// MAR lr_sched.py: min_lr + (lr - min_lr) * 0.5 * (1 + cos(pi * progress)), progress in [0, 1].
double half_cosine_decay(double lr, double min_lr, double progress);

// The lr of the step that starts after `cur_nimg` images, under config.lr_schedule.
double learning_rate_at(const TrainerConfig& config, int64_t cur_nimg);

}  // namespace dact::workers::trainer
