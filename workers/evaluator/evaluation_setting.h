#pragma once
// Everything a metric depends on besides the network's weights, as every metrics line
// records it (metrics.jsonl during training, `dact eval`, EMA sweeps): two numbers with
// equal settings were measured the same way, and a number is comparable with a paper's
// only if its setting says so.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "models/family.h"
#include "workers/evaluator/evaluation_job_settings.h"

namespace dact::workers::evaluator {

// What the job alone does not say.
struct MeasuredWith {
  std::string protocol;               // "" = none (evaluation_protocol.h)
  std::string feature_net;            // FeatureNetwork::name(): architecture/preprocessing@weights xxh64
  std::string reference_fingerprint;  // reference_statistics.h
};

// {"sampler", "steps", "nfe" (null when the settings do not fix it), "guidance",
//  "guidance_ramp", "guidance_interval" ([low, high]; high null = unbounded), "ema_std"
//  or "ema", "guide_snapshot"/"guide_std" (autoguidance only), "images", "seeds"
//  ([begin, end)), "protocol" (null = none), "feature_net", "reference", plus the
//  sampler controls that were set (edm, mcmc, masked, time_shift when not 1)}.
// `model` resolves the default sampler and counts the NFE.
nlohmann::json evaluation_setting(const EvaluationJob& job, const models::ModelSpec& model,
                                  const MeasuredWith& measured_with);

}  // namespace dact::workers::evaluator
