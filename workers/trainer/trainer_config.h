#pragma once
// Settings of the trainer actors (the `trainer` section of a run config). Defaults are
// EDM2's (training_loop.py), scaled where noted for CPU runs by the presets in configs/.
#include <cstdint>

#include "workers/trainer/adam.h"

namespace dact::workers::trainer {

// The learning-rate schedule (learning_rate.h): EDM2's inverse-square-root decay
// (ref_lr, ref_batches, rampup_Mimg), or DiT/MAR's scaled base_lr with a linear warm-up,
// then constant or a half cosine down to min_lr.
enum class LrSchedule { kEdm2, kConstant, kCosine };

// How the trainers sum gradients (gradient_all_reduce.h), and so where they train
// (trainer_device.h): MPI on the CPU, or NCCL on one CUDA device per trainer
// (DACT_WITH_CUDA builds only; the config refuses it otherwise).
enum class AllReduceBackend { kMpi, kNccl };

struct TrainerConfig {
  int64_t batch = 2048;          // images per optimizer step, all trainers together
  int64_t batch_per_rank = 64;   // images per forward/backward; the rest is accumulation
  double ref_lr = 0.012;         // EDM2 learning_rate_schedule
  double ref_batches = 70e3;
  double rampup_Mimg = 10;
  LrSchedule lr_schedule = LrSchedule::kEdm2;
  double base_lr = 1e-4;       // constant, cosine: peak lr = base_lr * batch / 256 (DiT, MAR)
  double warmup_kimg = 0;      // constant, cosine: linear warm-up from 0; 0 = none
  double min_lr = 0;           // cosine: the lr at decay_end_kimg and after
  double decay_end_kimg = 0;   // cosine: where the half cosine ends (> warmup_kimg)
  double clip_grad_norm = 0;   // max global L2 norm of the gradient (gradient_clipping.h); 0 = off
  AdamOptions adam;
  int64_t ema_every_steps = 1;         // trainer 0 hands weights to the EMA actor this often
  int64_t checkpoint_every_steps = 1000;
  double status_every_s = 10;
  int64_t max_nonfinite_in_a_row = 10; // then abort: the run has diverged
  int64_t credits = 4;                 // micro-batches a loader may send ahead of use
  int64_t bucket_bytes = int64_t{25} << 20;
  AllReduceBackend allreduce = AllReduceBackend::kMpi;
};

}  // namespace dact::workers::trainer
