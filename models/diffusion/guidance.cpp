#include "models/diffusion/guidance.h"

#include <utility>

namespace dact::models {

torch::Tensor guided(const torch::Tensor& main, const torch::Tensor& guide, double w) {
  // Karras et al. 2024 Eq. 1 (and EDM2's ref_Dx.lerp(Dx, guidance)).
  return torch::lerp(guide, main, w);
}

double GuidanceSchedule::weight_at(double progress, double noise_level) const {
  if (!(interval_low < noise_level && noise_level <= interval_high)) {
    return 1;
  }
  return ramp == GuidanceRamp::constant ? weight : 1 + (weight - 1) * progress;
}

Denoiser guided_denoiser(Denoiser main, Denoiser guide, GuidanceSchedule schedule,
                         ProgressOfNoiseLevel progress) {
  return [main = std::move(main), guide = std::move(guide), schedule,
          progress = std::move(progress)](const torch::Tensor& x, double noise_level) {
    const double w = schedule.weight_at(progress(noise_level), noise_level);
    const auto d_main = main(x, noise_level);
    return w == 1 ? d_main : guided(d_main, guide(x, noise_level), w);
  };
}

Denoiser classifier_free_guidance(ConditionalDenoiser net, torch::Tensor labels,
                                  torch::Tensor null_labels, GuidanceSchedule schedule,
                                  ProgressOfNoiseLevel progress) {
  const auto both_labels = torch::cat({labels, null_labels});
  return [net = std::move(net), labels = std::move(labels), both_labels, schedule,
          progress = std::move(progress)](const torch::Tensor& x, double noise_level) {
    const double w = schedule.weight_at(progress(noise_level), noise_level);
    if (w == 1) {
      return net(x, noise_level, labels);
    }
    const auto conditional_unconditional = net(torch::cat({x, x}), noise_level, both_labels).chunk(2);
    return guided(conditional_unconditional[0], conditional_unconditional[1], w);
  };
}

}  // namespace dact::models
