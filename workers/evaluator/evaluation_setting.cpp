#include "workers/evaluator/evaluation_setting.h"

#include <cmath>
#include <optional>

#include "workers/evaluator/pixel_sampling.h"

namespace dact::workers::evaluator {
namespace {

template <typename T>
void put_if_set(nlohmann::json& object, const char* key, const std::optional<T>& value) {
  if (value) object[key] = *value;
}

// The sampler controls that differ from the sampler's defaults (unset = default).
nlohmann::json sampler_controls(const EvaluationJob& job) {
  nlohmann::json controls = nlohmann::json::object();
  put_if_set(controls, "rho", job.edm.rho);
  put_if_set(controls, "sigma_min", job.edm.sigma_min);
  put_if_set(controls, "sigma_max", job.edm.sigma_max);
  put_if_set(controls, "churn", job.edm.S_churn);
  put_if_set(controls, "s_min", job.edm.S_min);
  put_if_set(controls, "s_max", job.edm.S_max);
  put_if_set(controls, "s_noise", job.edm.S_noise);
  if (!job.edm.sigmas.empty()) controls["sigmas"] = job.edm.sigmas;
  put_if_set(controls, "mcmc_steps_base", job.mcmc.steps_base);
  put_if_set(controls, "mcmc_step_size", job.mcmc.step_size);
  if (job.mcmc.off) controls["mcmc"] = false;
  put_if_set(controls, "num_iter", job.masked.num_iter);
  put_if_set(controls, "temperature", job.masked.temperature);
  if (job.time_shift != 1) controls["time_shift"] = job.time_shift;
  return controls;
}

}  // namespace

nlohmann::json evaluation_setting(const EvaluationJob& job, const models::ModelSpec& model,
                                  const MeasuredWith& measured_with) {
  const std::optional<int64_t> nfe = model.function_evaluations(sampling_options(job));
  nlohmann::json setting = {
      {"sampler", models::resolve_sampler(model.samplers(), job.sampler)},
      {"steps", job.steps},
      {"nfe", nfe ? nlohmann::json(*nfe) : nlohmann::json()},
      {"guidance", job.guidance},
      {"guidance_ramp", job.guidance_ramp},
      {"guidance_interval",
       {job.guidance_low, std::isinf(job.guidance_high) ? nlohmann::json() : nlohmann::json(job.guidance_high)}},
  };
  if (job.ema_name.empty()) {
    setting["ema_std"] = job.ema_std;
  } else {
    setting["ema"] = job.ema_name;
  }
  if (!job.guide_snapshot.empty()) {
    setting["guide_snapshot"] = job.guide_snapshot;
    setting["guide_std"] = job.guide_std;
  }
  const nlohmann::json controls = sampler_controls(job);
  if (!controls.empty()) setting["controls"] = controls;
  setting["images"] = job.seed_end - job.seed_begin;
  setting["seeds"] = {job.seed_begin, job.seed_end};
  setting["protocol"] = measured_with.protocol.empty() ? nlohmann::json() : nlohmann::json(measured_with.protocol);
  setting["feature_net"] = measured_with.feature_net;
  setting["reference"] = measured_with.reference_fingerprint;
  return setting;
}

}  // namespace dact::workers::evaluator
