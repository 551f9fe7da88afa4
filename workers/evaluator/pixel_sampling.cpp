#include "workers/evaluator/pixel_sampling.h"

#include <stdexcept>

#include "workers/evaluator/snapshot_network.h"

namespace dact::workers::evaluator {

models::SamplingOptions sampling_options(const EvaluationJob& job, models::Model* guide) {
  models::SamplingOptions options;
  options.sampler = job.sampler;
  options.steps = job.steps;
  options.guidance.weight = job.guidance;
  if (job.guidance_ramp == "linear") {
    options.guidance.ramp = models::GuidanceRamp::linear;
  } else if (job.guidance_ramp != "constant") {
    throw std::invalid_argument("unknown guidance schedule '" + job.guidance_ramp + "' (expected constant or linear)");
  }
  options.guidance.interval_low = job.guidance_low;
  options.guidance.interval_high = job.guidance_high;
  options.time_shift = job.time_shift;
  options.edm = job.edm;
  options.mcmc = job.mcmc;
  options.masked = job.masked;
  options.guide = guide;
  return options;
}

std::unique_ptr<models::Model> load_guide_network(const EvaluationJob& job) {
  if (job.guide_snapshot.empty()) return nullptr;
  return load_snapshot_network(job.guide_snapshot, job.guide_std);
}

torch::Tensor sample_pixels(models::Model& model, models::latent::PixelDecoder& decoder, const torch::Tensor& labels,
                            const torch::Tensor& noise, const models::SamplingOptions& options,
                            const models::NoiseSource& randn) {
  return decoder.to_pixels(model.sample(labels, noise, options, randn));
}

}  // namespace dact::workers::evaluator
