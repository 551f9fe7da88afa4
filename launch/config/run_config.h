#pragma once
// The whole configuration of a training run, one typed struct per component, parsed
// from one JSON/YAML document with every unknown key rejected by its full path.
//
// The `run` section controls this invocation (duration, where to stop, threads, ports,
// timeouts) and is left out of training_hash(): a run may be extended or resumed with
// other threads, but never resumed under different training settings. So are the `eval`
// section and the evaluator count (roles.evaluator): evaluation never changes training.
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "launch/config/dataset_config.h"
#include "models/family.h"
#include "workers/ema/ema_worker.h"
#include "workers/trainer/trainer_config.h"

namespace dact::launch {

// The roles a worker rank can hold, in rank order (rank 0 is the coordinator).
inline constexpr std::array<const char*, 4> kWorkerRoles{"data_loader", "trainer", "ema", "evaluator"};

struct RunControlConfig {
  double duration_kimg = 100;
  int64_t stop_at_step = 0;  // > 0: stop there (checkpoint written) as if preempted
  // The supervisor (launch/supervisor): restarts of the MPI world after a failure, with
  // a back-off of restart_backoff_s * 2^(restart - 1), at most restart_backoff_max_s.
  int max_restarts = 10;
  double restart_backoff_s = 10;
  double restart_backoff_max_s = 300;
  // Checkpoint retention (checkpoint + EMA state pairs): keep the newest
  // keep_last_checkpoints complete pairs and every pair whose step is a multiple of
  // keep_checkpoints_every_steps; 0 = keep every checkpoint (the default).
  int keep_last_checkpoints = 0;
  int64_t keep_checkpoints_every_steps = 0;
  std::map<std::string, int> threads{{"trainer", 2}, {"data_loader", 1}, {"ema", 1}, {"coordinator", 1}};
  // Nice increment (0-19, added to the nice value a rank starts with) of each role's
  // processes. Where ranks share cores the trainers, at 0, run first and the others use
  // what the gradient loop leaves; the data loader's prefetch and the EMA actor's queue
  // absorb the delay, so the trainers do not wait.
  std::map<std::string, int> nice{{"coordinator", 5}, {"data_loader", 5}, {"ema", 5}, {"evaluator", 10}};
  // Longest sleep of an idle actor loop between polls for MPI messages (a message to an
  // idle actor waits at most this long). Each poll costs ~30 us of CPU: at 1 ms the
  // idle ranks of a run took ~3 % of a core each from the trainers.
  double idle_wait_max_ms = 10;
  double heartbeat_interval_s = 1;
  double liveness_timeout_s = 60;
  // The run page and the JSON status endpoint (coordinator/status_server.h); port 0 = the
  // kernel picks one (RUN/status_address), -1 = off.
  std::string status_host = "127.0.0.1";
  int status_port = 0;
  // Where the coordinator listens for members joining over TCP (`dact evaluator --join`);
  // loopback unless set otherwise; port 0 = the kernel picks one (RUN/coordinator_address).
  std::string join_host = "127.0.0.1";
  int join_port = 0;
};

// Evaluation of every snapshot by evaluator actors (workers/evaluator/), one line per
// snapshot in RUN/metrics.jsonl.
struct EvaluationConfig {
  bool enabled = false;
  // "fid50k" (workers/evaluator/evaluation_protocol.h): 50,000 images unless num_images
  // says otherwise, and the features must be Inception-v3's with TF1 preprocessing.
  std::string protocol;
  int64_t num_images = 256;  // images per snapshot, seeds [0, num_images)
  int64_t part_images = 32;  // images per job; fixed, so results never depend on evaluator count
  double ema_std = 0.1;      // which EMA track of the snapshot (one of ema.stds)
  std::string ema;       // instead a classic EMA track, by name (one of ema.classic)
  std::string sampler;   // "" = the model family's default
  int64_t steps = 32;
  double guidance = 1.0;
  std::string guidance_ramp = "constant";  // or "linear": from none at the first step to `guidance`
  std::vector<double> guidance_interval;   // [low, high]: guide only there (sigma or t); empty = everywhere
  double time_shift = 1;                   // flows: SD3's time-grid shift (1 = uniform)
  // EDM-preconditioned families: rho, sigma_min, sigma_max, churn, s_min, s_max, s_noise.
  models::EdmSamplerControls edm;
  // dit-energy: mcmc_steps_base, mcmc_step_size, mcmc (false = no refinement).
  models::McmcSamplerControls mcmc;
  // mar: num_iter (rounds of generation), temperature (of the DiffLoss sampler).
  models::MaskedGenerationControls masked;
  std::string guide_snapshot;  // autoguidance: the guiding network's snapshot (absolute); "" = none
  double guide_std = 0.05;     // ... and its EMA track
  int64_t batch = 64;               // images sampled at once
  std::string features = "auto";    // feature network weights; auto: made beside the dataset
  std::string reference = "auto";   // reference statistics; auto: made beside the dataset
  double lease_timeout_s = 600;     // a part not returned by then is leased again
  int max_pending = 4;              // open evaluations; more drop the oldest
  int threads = 1;                  // intra-op threads of an evaluator
  double final_wait_s = 600;        // how long the end of a run waits for the last evaluation
};

struct RunConfig {
  uint64_t seed = 0;
  DatasetConfig dataset;
  std::shared_ptr<const models::ModelSpec> model;  // the `model` and `trainer.loss` sections
  std::map<std::string, int> roles{{"data_loader", 1}, {"trainer", 1}, {"ema", 1}};
  workers::trainer::TrainerConfig trainer;
  workers::ema::EmaConfig ema;
  RunControlConfig run;
  EvaluationConfig eval;

  nlohmann::json document;  // the resolved document this was parsed from

  // Steps needed to train duration_kimg (rounded up to whole steps).
  int64_t total_steps() const;
  // The step this invocation stops at: stop_at_step if set, else total_steps().
  int64_t last_step() const;
  int threads_of(const std::string& role) const;
  int nice_of(const std::string& role) const;  // run.nice increment; 0 unless named
};

RunConfig parse_run_config(const nlohmann::json& document);

// Whether `key` ("a.b.c") may change when a run resumes (see training_hash).
bool outside_training_hash(const std::string& key);

// Hash of everything but the `run` and `eval` sections and roles.evaluator (see above).
std::string training_hash(const nlohmann::json& document);

}  // namespace dact::launch
