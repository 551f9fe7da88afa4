#pragma once
// The samplers of the EDM-preconditioned families (edm2-precond; EDM's networks of
// models/edm/ when they train): heun and euler (EDM Algorithm 2, sampler_edm.h) and sed
// (the second-order stochastic sampler, sampler_sed.h) on EDM's rho-schedule, with
// EDM's controls, and guidance by either the zero label (classifier-free) or a second
// network (autoguidance, Karras et al. 2024): D = D_guide + w (D_main - D_guide) at
// noise levels inside the guidance interval.
//
// A learned schedule (controls.sigmas, learned_schedule.h) replaces the rho-schedule's
// noise levels for every sampler (sed's SDE still takes its noise rate from the
// rho-schedule between the schedule's ends).
// Defaults of the controls (EDM's): rho 7, sigma_min 0.002, sigma_max 80, S_min 0,
// S_max inf, S_noise 1; S_churn 0 for heun and euler (deterministic) and 1 for sed.
#include <torch/torch.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/family.h"

namespace dact::models {

const std::vector<std::string>& edm_family_samplers();  // heun (the default), euler, sed

// NFE of heun and euler (function_evaluations.h); nullopt for sed, whose JVPs are no
// plain evaluations.
std::optional<int64_t> edm_family_function_evaluations(const SamplingOptions& options);

// D(x; sigma, labels) of a preconditioned network in eval mode; sigma is [N] and may
// carry forward-mode tangents; labels are one-hot [N, label_dim] (undefined when
// unconditional; zeros = the unconditional model).
using PreconditionedDenoiser =
    std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& labels)>;

// A Model that is an EDM-preconditioned denoiser: what autoguidance asks of a guide,
// so any such family can guide any other of the same image shape and labels.
class PreconditionedModel {
 public:
  virtual ~PreconditionedModel() = default;
  virtual PreconditionedDenoiser preconditioned_denoiser() = 0;
};

// Model::sample of an EDM-preconditioned family whose network is `net`. Throws
// std::invalid_argument for an unknown sampler, steps < 1 (sed: < 2), invalid
// controls, guidance without labels or guide, a guide that is not EDM-preconditioned
// or differs in image shape or labels, and sed with a linear guidance ramp (its slope
// in sigma is not differentiated).
// The checks of sample_edm_family that need no network (sampler, steps, controls, a
// learned schedule's fit to the sampler and steps, guidance without labels), so a run's
// eval settings fail at config load; `guide_network`: a guide network will be set.
// Throws std::invalid_argument.
void check_edm_family_sampling(const SamplingOptions& options, int64_t label_dim, bool guide_network);

torch::Tensor sample_edm_family(const PreconditionedDenoiser& net, ImageShape shape, int64_t label_dim,
                                const torch::Tensor& labels, const torch::Tensor& noise,
                                const SamplingOptions& options, const NoiseSource& randn);

}  // namespace dact::models
