#pragma once
// The trainer's gradient loop: per step, `rounds` micro-batches forward/backward
// through the model family's objective (gradient accumulation), one all-reduce among
// the trainers, the NaN/inf guard, the optimizer step (optimizer.h: lr schedule,
// clipping, Adam). Trainer 0 also hands the weights to the EMA actor every
// ema_every_steps, writes checkpoints from a background thread, and reports progress.
// Everything else (receiving batches, sending messages) happens on the actor's loop
// thread behind the Links callbacks, so this loop only ever waits for data (when the
// loader is behind) and for the all-reduce.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "models/family.h"
#include "storage/background_writer.h"
#include "storage/run_directory.h"
#include "workers/data_loader/sample_order.h"
#include "workers/trainer/batch_queue.h"
#include "workers/trainer/gradient_all_reduce.h"
#include "workers/trainer/loss_by_noise_level.h"
#include "workers/trainer/optimizer.h"
#include "workers/trainer/trainer_config.h"
#include "workers/trainer/training_checkpoint.h"
#include "workers/worker_messages.h"

namespace dact::workers::trainer {

// The loop's only ways out; each must return at once (post to the actor thread).
struct GradientLoopLinks {
  std::function<void(uint32_t count)> grant_credits;   // to this trainer's data loader
  std::function<void(EmaWeights weights)> send_to_ema;  // trainer 0 only
  std::function<void(std::string json_line)> report_progress;  // trainer 0 only
  // Polled once per step, from this loop's thread (must be thread-safe): true once this
  // trainer was asked to stop early (preemption). Empty = never.
  std::function<bool()> stop_requested;
};

class NonFiniteLossError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class GradientLoop {
 public:
  // `model` is on the trainer's device (trainer_device.h); batches are moved there, and
  // checkpoints and EMA hand-offs copied to the CPU.
  GradientLoop(TrainerConfig config, uint64_t seed, std::unique_ptr<models::Model> model, int trainer_index,
               GradientAllReduce& all_reduce, BatchQueue& batches, GradientLoopLinks links,
               storage::RunDirectory run, std::string config_hash);

  // Restores the checkpoint of `step` (unless 0) and continues from there.
  void resume_from(int64_t step);
  // Trains until `final_step` (the end of the run: final EMA hand-off and checkpoint), or
  // stops early after the step at which any trainer saw links.stop_requested() (the
  // flag rides on the gradient all-reduce, so every trainer stops at the same step), or
  // at `stop_at_step` (> 0). An early stop writes a checkpoint and the EMA state at that
  // step, but no EMA update unless it is an EMA step, so resuming is exact. Throws
  // NonFiniteLossError after max_nonfinite_in_a_row skipped steps, std::runtime_error if
  // the loader sends a batch out of order.
  void run(int64_t final_step, int64_t stop_at_step = 0);

  int64_t step() const { return step_; }
  // True when run() returned before final_step.
  bool stopped_early() const { return stopped_early_; }
  models::Model& model() { return *model_; }

 private:
  struct IntervalTimes {
    double data_wait_s = 0, all_reduce_s = 0, ema_handoff_s = 0, checkpoint_s = 0;
    double loss_sum = 0;
    std::map<std::string, double> term_sums;  // the objective's terms, this trainer's samples
    int64_t term_samples = 0;
    int64_t steps = 0;
    torch::Tensor noise_level_moments;  // loss_by_noise_level.h, summed over trainers; undefined: none
  };
  double train_one_step();  // returns the global mean loss of the step
  bool all_gradients_finite() const;
  // update: the EMA tracks take these weights; write_state: persist them at this step;
  // final: the end of the run (last snapshot, preview); stop: an early end.
  void hand_weights_to_ema(bool update, bool write_state, bool final, bool stop);
  void write_checkpoint();
  void report(double interval_s);
  const NoiseLevelBuckets* noise_level_buckets_ = nullptr;  // the family's, once its first loss names them
  storage::NamedTensors state_dict_copy() const;

  TrainerConfig config_;
  uint64_t seed_;
  std::unique_ptr<models::Model> model_;
  int trainer_index_;
  GradientAllReduce& all_reduce_;
  BatchQueue& batches_;
  GradientLoopLinks links_;
  storage::RunDirectory run_;
  std::string config_hash_;
  std::vector<std::pair<std::string, torch::Tensor>> params_;
  torch::Device device_;  // the model's
  Optimizer optimizer_;
  storage::BackgroundWriter checkpoint_writer_;
  int64_t rounds_;
  int64_t step_ = 0;
  int64_t nonfinite_steps_skipped_ = 0;
  int64_t nonfinite_in_a_row_ = 0;
  int64_t last_ema_nimg_ = 0;
  bool stop_agreed_ = false;  // the all-reduced stop flag of the last step
  bool stopped_early_ = false;
  double loader_busy_s_ = 0;
  IntervalTimes interval_;
};

// The generator of all randomness of one micro-batch: a fixed function of
// (seed, step, round, trainer), so a resumed run draws exactly the same noise.
at::Generator micro_batch_generator(uint64_t seed, int64_t step, int64_t round, int trainer_index);

}  // namespace dact::workers::trainer
