#pragma once
// Guidance of a denoiser (or velocity) by a second, "guide" evaluation:
//   D = D_guide + w (D_main - D_guide)
// Classifier-free guidance (Ho & Salimans 2022) uses the unconditional model as the
// guide; autoguidance (Karras et al. 2024, Eq. 1) a smaller / less trained network.
// The weight w may follow a schedule over the sampling trajectory and be limited to
// an interval of noise levels (Kynkaanniemi et al. 2024).
// Flows: a VelocityField is the same callable type as a Denoiser, so everything here
// guides velocities too, with t as the noise level and flow_progress as the progress.
// Guiding v is guiding E[x0 | x_t]: v = (x - E[x0 | x_t]) / t is affine in it with a
// model-free x term, and the lerp commutes with such maps. For a DDPM eps model, wrap
// the DdpmModel callable with guided() the same way (eps is affine in E[x0 | x_t] too).
#include <torch/torch.h>

#include <functional>
#include <limits>

#include "models/diffusion/sampler_types.h"

namespace dact::models {

// D_guide + w (D_main - D_guide).
torch::Tensor guided(const torch::Tensor& main, const torch::Tensor& guide, double w);

enum class GuidanceRamp {
  constant,  // w everywhere
  linear,    // 1 + (w - 1) * progress: none at the start of sampling, w at the end
};

struct GuidanceSchedule {
  double weight = 1;  // w; 1 = no guidance
  GuidanceRamp ramp = GuidanceRamp::constant;
  // Guidance applies only for noise levels in (interval_low, interval_high];
  // outside it the weight is 1.
  double interval_low = 0;
  double interval_high = std::numeric_limits<double>::infinity();

  // progress in [0, 1] along the trajectory (0 = first step), noise_level = sigma or t.
  double weight_at(double progress, double noise_level) const;
};

// Maps a noise level (sigma or t) to trajectory progress in [0, 1].
using ProgressOfNoiseLevel = std::function<double(double)>;

// A denoiser / velocity that combines `main` and `guide` with the schedule's weight at
// each call; `guide` is not evaluated where the weight is 1.
Denoiser guided_denoiser(Denoiser main, Denoiser guide, GuidanceSchedule schedule,
                         ProgressOfNoiseLevel progress);

// net(x, noise_level, labels) for a batch of labels.
using ConditionalDenoiser =
    std::function<torch::Tensor(const torch::Tensor& x, double noise_level, const torch::Tensor& labels)>;

// Classifier-free guidance with one batched evaluation of [x; x] under [labels;
// null_labels] (null_labels: DiT's class num_classes, or zero one-hot vectors).
Denoiser classifier_free_guidance(ConditionalDenoiser net, torch::Tensor labels,
                                  torch::Tensor null_labels, GuidanceSchedule schedule,
                                  ProgressOfNoiseLevel progress);

}  // namespace dact::models
