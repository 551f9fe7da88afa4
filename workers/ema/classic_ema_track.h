#pragma once
// One classic EMA track, the exponential moving average of DiT (train.py update_ema)
// and MAR: after each optimizer step n,
//   ema <- beta_n * ema + (1 - beta_n) * params
//   beta_n = decay                                  (warmup off: DiT, MAR)
//   beta_n = min(decay, (1 + n) / (10 + n))         (warmup on: TensorFlow's
//            ExponentialMovingAverage num_updates, LDM's LitEma)
//   beta_n = 0.5^(batch / max(h_n, 1e-8))            (half-life: EDM training_loop.py)
//   h_n = halflife_kimg * 1000, or min(that, rampup_ratio * (n - 1) * batch) with a
//         ramp-up: the half-life in images, capped by a share of the images seen
//         before step n (EDM updates its EMA before counting the step's images)
// with n the optimizer steps taken so far (1 at the first update after the initial
// weights, as LitEma counts). The EMA actor sees the weights every ema_every_steps
// steps; an update that covers steps m+1..n applies prod_{k=m+1..n} beta_k at once,
// as if the weights had held still in between, so ema_every_steps coarsens the
// average without changing its time scale. It lives next to the power-function tracks
// (power_ema_track.h) but takes no part in post-hoc reconstruction.
// Not thread-safe; the EMA actor owns its tracks.
#include <torch/torch.h>

#include <map>
#include <string>

namespace dact::workers::ema {

struct ClassicEmaOptions {
  std::string name;       // how snapshots, eval.ema and --ema name the track
  double decay = 0.9999;  // DiT, MAR
  bool warmup = false;
  // > 0: EDM's half-life EMA (beta_n above) instead of decay and warmup.
  double halflife_kimg = 0;
  double rampup_ratio = 0;  // half-life only; 0 = no ramp-up (EDM's None)
  int64_t batch = 0;        // images per optimizer step (the run's trainer.batch); half-life only
};

bool operator==(const ClassicEmaOptions& a, const ClassicEmaOptions& b);

// beta_n above.
double classic_ema_beta(const ClassicEmaOptions& options, int64_t n);

class ClassicEmaTrack {
 public:
  using NamedTensors = std::map<std::string, torch::Tensor>;

  // A track whose average is `params` (deep-copied) after optimizer step `step`: the
  // initial weights at step 0, or a stored track being resumed.
  ClassicEmaTrack(ClassicEmaOptions options, const NamedTensors& params, int64_t step);

  // The update after training reached optimizer step `step` (> step()). `current_params`
  // must hold the same names, shapes and dtypes (std::invalid_argument otherwise).
  void update(const NamedTensors& current_params, int64_t step);

  const ClassicEmaOptions& options() const { return options_; }
  int64_t step() const { return step_; }  // of the last update
  const NamedTensors& params() const { return params_; }

 private:
  ClassicEmaOptions options_;
  NamedTensors params_;
  int64_t step_;
};

}  // namespace dact::workers::ema
