#pragma once
// What one evaluation job computes: the images of a seed range, sampled from one EMA
// track of a snapshot, and the feature net that measures them. Torch-free, so the
// coordinator and the job's message (evaluation_messages.h) carry it as it is.
#include <cstdint>
#include <limits>
#include <string>

#include "models/diffusion/edm_sampler_controls.h"
#include "models/diffusion/mcmc_sampler_controls.h"
#include "models/mar/masked_generation_controls.h"

namespace dact::workers::evaluator {

struct EvaluationJob {
  std::string snapshot_path;  // absolute in jobs, so evaluators started elsewhere find it
  double ema_std = 0.1;       // must equal a track's std (snapshot_network.h)
  std::string ema_name;  // non-empty: a classic EMA track by name instead (ema.classic)
  std::string sampler;   // "" = the model family's default
  int64_t steps = 32;
  double guidance = 1.0;  // classifier-free guidance weight; 1 = none
  std::string guidance_ramp = "constant";  // or "linear" (models/diffusion/guidance.h)
  double guidance_low = 0;                 // guidance only for noise levels in (low, high]
  double guidance_high = std::numeric_limits<double>::infinity();
  double time_shift = 1;  // flows' time-grid shift (models::SamplingOptions)
  models::EdmSamplerControls edm;  // EDM samplers' rho, sigma range and churn; unset = defaults
  models::McmcSamplerControls mcmc;  // the energy family's MCMC refinement; unset = the model's
  models::MaskedGenerationControls masked;  // mar: rounds and temperature; unset = MAR's defaults
  std::string guide_snapshot;      // autoguidance: the guiding network's snapshot; "" = none
  double guide_std = 0.05;         // ... and its EMA track
  int64_t seed_begin = 0, seed_end = 0;  // images [seed_begin, seed_end)
  // Images per sampling batch. Batches are aligned to multiples of `batch`; results
  // are the same for any batch in practice, bit for bit only when all parts of an
  // evaluation use the same batch (see evaluation_job_test).
  int64_t batch = 64;
  std::string feature_weights;  // for models::features::load_feature_network
};

}  // namespace dact::workers::evaluator
