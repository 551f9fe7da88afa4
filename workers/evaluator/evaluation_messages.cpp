#include "workers/evaluator/evaluation_messages.h"

#include <optional>
#include <vector>

namespace dact::workers::evaluator {
namespace {

// The controls in a fixed order, each as a presence flag and its value.
std::vector<std::optional<double>*> controls_of(models::EdmSamplerControls& c) {
  return {&c.rho, &c.sigma_min, &c.sigma_max, &c.S_churn, &c.S_min, &c.S_max, &c.S_noise};
}

}  // namespace

void EvaluatePart::encode(ByteWriter& out) const {
  out.u64(evaluation_id);
  out.i64(part_index);
  out.i64(nimg);  // version 7; before: whole kimg
  out.string(job.snapshot_path);
  out.f64(job.ema_std);
  out.string(job.sampler);
  out.i64(job.steps);
  out.f64(job.guidance);
  out.i64(job.seed_begin);
  out.i64(job.seed_end);
  out.i64(job.batch);
  out.string(job.feature_weights);
  out.string(job.ema_name);  // version 2
  out.string(job.guidance_ramp);
  out.f64(job.guidance_low);
  out.f64(job.guidance_high);
  out.f64(job.time_shift);
  models::EdmSamplerControls edm = job.edm;  // version 3
  for (const std::optional<double>* control : controls_of(edm)) {
    out.boolean(control->has_value());
    out.f64(control->value_or(0));
  }
  out.string(job.guide_snapshot);
  out.f64(job.guide_std);
  out.u64(job.edm.sigmas.size());  // version 4
  for (const double sigma : job.edm.sigmas) out.f64(sigma);
  for (const std::optional<double>& control : {job.mcmc.steps_base, job.mcmc.step_size}) {  // version 5
    out.boolean(control.has_value());
    out.f64(control.value_or(0));
  }
  out.boolean(job.mcmc.off);
  out.boolean(job.masked.num_iter.has_value());  // version 6
  out.i64(job.masked.num_iter.value_or(0));
  out.boolean(job.masked.temperature.has_value());
  out.f64(job.masked.temperature.value_or(0));
}

EvaluatePart EvaluatePart::decode(ByteReader& in, uint16_t wire_version) {
  EvaluatePart message;
  message.evaluation_id = in.u64();
  message.part_index = in.i64();
  message.nimg = wire_version >= 7 ? in.i64() : in.i64() * 1000;
  message.job.snapshot_path = in.string();
  message.job.ema_std = in.f64();
  message.job.sampler = in.string();
  message.job.steps = in.i64();
  message.job.guidance = in.f64();
  message.job.seed_begin = in.i64();
  message.job.seed_end = in.i64();
  message.job.batch = in.i64();
  message.job.feature_weights = in.string();
  if (wire_version >= 2) {
    message.job.ema_name = in.string();
    message.job.guidance_ramp = in.string();
    message.job.guidance_low = in.f64();
    message.job.guidance_high = in.f64();
    message.job.time_shift = in.f64();
  }
  if (wire_version >= 3) {
    for (std::optional<double>* control : controls_of(message.job.edm)) {
      const bool set = in.boolean();
      const double value = in.f64();
      if (set) *control = value;
    }
    message.job.guide_snapshot = in.string();
    message.job.guide_std = in.f64();
  }
  if (wire_version >= 4) {
    message.job.edm.sigmas.resize(in.u64());
    for (double& sigma : message.job.edm.sigmas) sigma = in.f64();
  }
  if (wire_version >= 5) {
    for (std::optional<double>* control : {&message.job.mcmc.steps_base, &message.job.mcmc.step_size}) {
      const bool set = in.boolean();
      const double value = in.f64();
      if (set) *control = value;
    }
    message.job.mcmc.off = in.boolean();
  }
  if (wire_version >= 6) {
    const bool has_num_iter = in.boolean();
    const int64_t num_iter = in.i64();
    if (has_num_iter) message.job.masked.num_iter = num_iter;
    const bool has_temperature = in.boolean();
    const double temperature = in.f64();
    if (has_temperature) message.job.masked.temperature = temperature;
  }
  return message;
}

void EvaluatedPart::encode(ByteWriter& out) const {
  out.u64(evaluation_id);
  out.i64(part_index);
  out.string(error);
  out.string(feature_net);
  out.i64(seed_begin);
  out.i64(seed_end);
  out.i64(count);
  out.i64(images);
  out.f64(seconds);
  out.bytes(tensors);
}

EvaluatedPart EvaluatedPart::decode(ByteReader& in, uint16_t) {
  EvaluatedPart message;
  message.evaluation_id = in.u64();
  message.part_index = in.i64();
  message.error = in.string();
  message.feature_net = in.string();
  message.seed_begin = in.i64();
  message.seed_end = in.i64();
  message.count = in.i64();
  message.images = in.i64();
  message.seconds = in.f64();
  message.tensors = in.bytes();
  return message;
}

}  // namespace dact::workers::evaluator
