#pragma once
// Settings of the trainer actors (the `trainer` section of a run config). Defaults are
// EDM2's (training_loop.py), scaled where noted for CPU runs by the presets in configs/.
#include <cstdint>

#include "workers/trainer/adam.h"

namespace dact::workers::trainer {

struct TrainerConfig {
  int64_t batch = 2048;          // images per optimizer step, all trainers together
  int64_t batch_per_rank = 64;   // images per forward/backward; the rest is accumulation
  double ref_lr = 0.012;         // EDM2 learning_rate_schedule
  double ref_batches = 70e3;
  double rampup_Mimg = 10;
  AdamOptions adam;
  int64_t ema_every_steps = 1;         // trainer 0 hands weights to the EMA actor this often
  int64_t checkpoint_every_steps = 1000;
  double status_every_s = 10;
  int64_t max_nonfinite_in_a_row = 10; // then abort: the run has diverged
  int64_t credits = 4;                 // micro-batches a loader may send ahead of use
  int64_t bucket_bytes = int64_t{25} << 20;
};

}  // namespace dact::workers::trainer
