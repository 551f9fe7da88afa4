#include "workers/ema/preview_grid.h"

#include <stdexcept>

#include "models/guidance.h"
#include "workers/trainer/edm2_objective.h"

namespace dact::workers::ema {

torch::Tensor tile_images(const torch::Tensor& images, int64_t rows, int64_t cols) {
  const int64_t C = images.size(1), H = images.size(2), W = images.size(3);
  return images.reshape({rows, cols, C, H, W}).permute({2, 0, 3, 1, 4}).reshape({C, rows * H, cols * W});
}

torch::Tensor sample_preview_grid(models::Edm2Precond& net, const PreviewOptions& options) {
  const models::Edm2UNetConfig& unet = net->config().unet;
  if (unet.label_dim <= 0) throw std::invalid_argument("preview grid needs a class-conditional network");
  torch::NoGradGuard no_grad;
  net->eval();
  const int64_t classes = unet.label_dim;
  const int64_t count = classes * options.per_class;
  const torch::Tensor labels =
      torch::one_hot(torch::arange(classes).repeat_interleave(options.per_class), classes).to(torch::kFloat32);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  const torch::Tensor noise = torch::randn(
      {count, unet.img_channels, unet.img_resolution, unet.img_resolution}, generator, torch::kFloat32);

  models::EdmSamplerOptions sampler;
  sampler.num_steps = options.num_steps;
  const models::ConditionalDenoiser conditional = [&net](const torch::Tensor& x, double sigma,
                                                         const torch::Tensor& class_labels) {
    return net->forward(x, torch::full({x.size(0)}, sigma), class_labels).D;
  };
  models::Denoiser denoiser = [&](const torch::Tensor& x, double sigma) { return conditional(x, sigma, labels); };
  if (options.guidance != 1.0) {
    models::GuidanceSchedule schedule;
    schedule.weight = options.guidance;
    denoiser = models::classifier_free_guidance(
        conditional, labels, torch::zeros_like(labels), schedule,
        [sampler](double sigma) { return models::edm_progress(sampler, sigma); });
  }
  const torch::Tensor images = models::edm_sample(denoiser, noise, sampler);
  return tile_images(trainer::model_space_to_pixels(images), classes, options.per_class);
}

}  // namespace dact::workers::ema
