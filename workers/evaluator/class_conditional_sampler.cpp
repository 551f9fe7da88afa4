#include "workers/evaluator/class_conditional_sampler.h"

#include <stdexcept>

#include "models/diffusion/guidance.h"
#include "workers/trainer/edm2_objective.h"

namespace dact::workers::evaluator {

models::EdmSamplerOptions edm_sampler_options(const SamplingOptions& options) {
  if (options.sampler != "heun" && options.sampler != "euler") {
    throw std::invalid_argument("unknown sampler '" + options.sampler + "' (expected heun or euler)");
  }
  if (options.steps < 1) throw std::invalid_argument("sampler steps must be >= 1");
  models::EdmSamplerOptions sampler;
  sampler.num_steps = options.steps;
  sampler.heun = options.sampler == "heun";
  return sampler;
}

torch::Tensor sample_class_conditional(models::Edm2Precond& net, const torch::Tensor& labels,
                                       const torch::Tensor& noise, const SamplingOptions& options) {
  const int64_t classes = net->config().unet.label_dim;
  if (classes <= 0) throw std::invalid_argument("class-conditional sampling needs a network with label_dim > 0");
  const models::EdmSamplerOptions sampler = edm_sampler_options(options);
  torch::NoGradGuard no_grad;
  net->eval();
  const torch::Tensor one_hot = torch::one_hot(labels, classes).to(torch::kFloat32);
  const models::ConditionalDenoiser conditional = [&net](const torch::Tensor& x, double sigma,
                                                         const torch::Tensor& class_labels) {
    return net->forward(x, torch::full({x.size(0)}, sigma), class_labels).D;
  };
  models::Denoiser denoiser = [&](const torch::Tensor& x, double sigma) { return conditional(x, sigma, one_hot); };
  if (options.guidance != 1.0) {
    models::GuidanceSchedule schedule;
    schedule.weight = options.guidance;
    denoiser = models::classifier_free_guidance(
        conditional, one_hot, torch::zeros_like(one_hot), schedule,
        [sampler](double sigma) { return models::edm_progress(sampler, sigma); });
  }
  return trainer::model_space_to_pixels(models::edm_sample(denoiser, noise, sampler));
}

}  // namespace dact::workers::evaluator
