#include "models/diffusion/edm_family_sampling.h"

#include <stdexcept>
#include <string>

#include "models/diffusion/denoiser_jvp.h"
#include "models/diffusion/function_evaluations.h"
#include "models/diffusion/sampler_edm.h"
#include "models/diffusion/sampler_sed.h"

namespace dact::models {
namespace {

constexpr double kSedDefaultChurn = 1;

// The controls over a sampler's defaults.
template <typename Options>
Options with_controls(Options o, const EdmSamplerControls& c, int64_t steps) {
  c.validate();
  o.num_steps = steps;
  o.rho = c.rho.value_or(o.rho);
  o.sigma_min = c.sigma_min.value_or(o.sigma_min);
  o.sigma_max = c.sigma_max.value_or(o.sigma_max);
  if (!(o.sigma_min < o.sigma_max)) {
    throw std::invalid_argument("sampler control --sigma-min (" + std::to_string(o.sigma_min) +
                                ") must be below --sigma-max (" + std::to_string(o.sigma_max) + ")");
  }
  if (!c.sigmas.empty()) {
    if (static_cast<size_t>(steps) != c.sigmas.size()) {
      throw std::invalid_argument("--steps " + std::to_string(steps) + " differs from the schedule's " +
                                  std::to_string(c.sigmas.size()) + " noise levels");
    }
    // The range the guidance schedule's progress (edm_progress) measures against.
    o.sigma_max = c.sigmas.front();
    o.sigma_min = c.sigmas.back();
  }
  o.S_churn = c.S_churn.value_or(o.S_churn);
  o.S_min = c.S_min.value_or(o.S_min);
  o.S_max = c.S_max.value_or(o.S_max);
  o.S_noise = c.S_noise.value_or(o.S_noise);
  return o;
}

PreconditionedDenoiser guide_of(const SamplingOptions& options, ImageShape shape, int64_t label_dim) {
  auto* guide = dynamic_cast<PreconditionedModel*>(options.guide);
  if (guide == nullptr) throw std::invalid_argument("the guide network is not an EDM-preconditioned denoiser");
  const ImageShape guide_shape = options.guide->image_shape();
  if (guide_shape.channels != shape.channels || guide_shape.resolution != shape.resolution ||
      options.guide->label_dim() != label_dim) {
    throw std::invalid_argument(
        "the guide network must have the main network's image shape and labels: guide " +
        std::to_string(guide_shape.channels) + "x" + std::to_string(guide_shape.resolution) + ", " +
        std::to_string(options.guide->label_dim()) + " labels; main " + std::to_string(shape.channels) + "x" +
        std::to_string(shape.resolution) + ", " + std::to_string(label_dim) + " labels");
  }
  return guide->preconditioned_denoiser();
}

// D of the main network, guided by `guide` (autoguidance) or else by the zero label
// (classifier-free) with the schedule's weight at sigma; `sigma_batch` may be dual.
BatchSigmaDenoiser guided(PreconditionedDenoiser net, PreconditionedDenoiser guide, torch::Tensor one_hot,
                          GuidanceSchedule schedule, ProgressOfNoiseLevel progress) {
  return [=](const torch::Tensor& x, double sigma, const torch::Tensor& sigma_batch) {
    const double w = schedule.weight_at(progress(sigma), sigma);
    if (w == 1) return net(x, sigma_batch, one_hot);
    if (guide) return models::guided(net(x, sigma_batch, one_hot), guide(x, sigma_batch, one_hot), w);
    // One batched pass of [x; x] under [labels; zero labels].
    const auto both = net(torch::cat({x, x}), torch::cat({sigma_batch, sigma_batch}),
                          torch::cat({one_hot, torch::zeros_like(one_hot)}))
                          .chunk(2);
    return models::guided(both[0], both[1], w);
  };
}

}  // namespace

const std::vector<std::string>& edm_family_samplers() {
  static const std::vector<std::string> samplers{"heun", "euler", "sed"};
  return samplers;
}

std::optional<int64_t> edm_family_function_evaluations(const SamplingOptions& options) {
  const std::string sampler = resolve_sampler(edm_family_samplers(), options.sampler);
  if (sampler == "sed") return std::nullopt;
  const int64_t unguided = sampler == "heun" ? heun_edm_evaluations(options.steps) : options.steps;
  return with_guide_evaluations(unguided, options.guidance);
}

void check_edm_family_sampling(const SamplingOptions& options, int64_t label_dim, bool guide_network) {
  const std::string sampler = resolve_sampler(edm_family_samplers(), options.sampler);
  refuse_mcmc_sampling_options(options, "an EDM-preconditioned family");
  refuse_masked_generation_options(options, "an EDM-preconditioned family");
  if (options.steps < 1) throw std::invalid_argument("sampler steps must be >= 1");
  if (!guide_network && options.guidance.weight != 1.0 && label_dim == 0) {
    throw std::invalid_argument(
        "guidance needs a class-conditional model (label_dim > 0) or a guide network (--guide-snapshot)");
  }
  if (sampler == "sed") {
    if (options.steps < 2) {
      throw std::invalid_argument("the sed sampler needs at least 2 steps, got " + std::to_string(options.steps));
    }
    if (options.guidance.weight != 1.0 && options.guidance.ramp == GuidanceRamp::linear) {
      throw std::invalid_argument(
          "the sed sampler differentiates the guided denoiser in sigma, and a linear guidance ramp's own slope is "
          "not part of that: use --cfg-schedule constant");
    }
    with_controls(SedSamplerOptions{}, options.edm, options.steps);
  } else {
    with_controls(EdmSamplerOptions{}, options.edm, options.steps);
  }
}

torch::Tensor sample_edm_family(const PreconditionedDenoiser& net, ImageShape shape, int64_t label_dim,
                                const torch::Tensor& labels, const torch::Tensor& noise,
                                const SamplingOptions& options, const NoiseSource& randn) {
  check_edm_family_sampling(options, label_dim, options.guide != nullptr);
  const std::string sampler = resolve_sampler(edm_family_samplers(), options.sampler);
  torch::Tensor one_hot;
  if (label_dim > 0) one_hot = torch::one_hot(labels, label_dim).to(noise.scalar_type());
  PreconditionedDenoiser guide;
  if (options.guide != nullptr) guide = guide_of(options, shape, label_dim);
  torch::NoGradGuard no_grad;
  if (sampler == "sed") {
    SedSamplerOptions defaults;
    defaults.S_churn = kSedDefaultChurn;
    SedSamplerOptions o = with_controls(defaults, options.edm, options.steps);
    o.sigmas = options.edm.sigmas;
    const auto D = guided(net, guide, one_hot, options.guidance, [o](double sigma) { return edm_progress(o, sigma); });
    return sed_sample(plain_denoiser(D), forward_mode_jvp(D), noise, o, brownian_increments(randn));
  }
  EdmSamplerOptions defaults;
  defaults.heun = sampler == "heun";
  EdmSamplerOptions o = with_controls(defaults, options.edm, options.steps);
  o.sigmas = options.edm.sigmas;
  const auto D = guided(net, guide, one_hot, options.guidance, [o](double sigma) { return edm_progress(o, sigma); });
  return edm_sample(plain_denoiser(D), noise, o, randn);
}

}  // namespace dact::models
