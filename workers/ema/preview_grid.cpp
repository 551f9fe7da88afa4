#include "workers/ema/preview_grid.h"

#include "workers/evaluator/class_conditional_sampler.h"

namespace dact::workers::ema {

torch::Tensor tile_images(const torch::Tensor& images, int64_t rows, int64_t cols) {
  const int64_t C = images.size(1), H = images.size(2), W = images.size(3);
  return images.reshape({rows, cols, C, H, W}).permute({2, 0, 3, 1, 4}).reshape({C, rows * H, cols * W});
}

torch::Tensor sample_preview_grid(models::Edm2Precond& net, const PreviewOptions& options) {
  const models::Edm2UNetConfig& unet = net->config().unet;
  const int64_t classes = unet.label_dim;
  const int64_t count = classes * options.per_class;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  const torch::Tensor noise = torch::randn(
      {count, unet.img_channels, unet.img_resolution, unet.img_resolution}, generator, torch::kFloat32);
  evaluator::SamplingOptions sampling;
  sampling.steps = options.num_steps;
  sampling.guidance = options.guidance;
  const torch::Tensor labels = torch::arange(classes).repeat_interleave(options.per_class);
  return tile_images(evaluator::sample_class_conditional(net, labels, noise, sampling), classes, options.per_class);
}

}  // namespace dact::workers::ema
