#include "workers/ema/preview_grid.h"

#include <algorithm>

#include "workers/ema/reconstruction_grid.h"
#include "workers/evaluator/pixel_sampling.h"

namespace dact::workers::ema {

torch::Tensor tile_images(const torch::Tensor& images, int64_t rows, int64_t cols) {
  const int64_t C = images.size(1), H = images.size(2), W = images.size(3);
  return images.reshape({rows, cols, C, H, W}).permute({2, 0, 3, 1, 4}).reshape({C, rows * H, cols * W});
}

torch::Tensor sample_preview_grid(models::Model& model, models::latent::PixelDecoder& decoder,
                                  const PreviewOptions& options) {
  if (models::AutoencodingModel* autoencoder = models::as_autoencoding(model)) {
    if (options.reconstruct_dataset.empty()) {
      throw std::invalid_argument("the preview of an autoencoder needs images to reconstruct (reconstruct_dataset)");
    }
    return reconstruction_grid(model, *autoencoder, options.reconstruct_dataset, options.per_class);
  }
  const models::ImageShape shape = model.image_shape();
  const int64_t rows = std::max<int64_t>(model.label_dim(), 1);
  const int64_t count = rows * options.per_class;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  const torch::Tensor noise =
      torch::randn({count, shape.channels, shape.resolution, shape.resolution}, generator, torch::kFloat32);
  models::SamplingOptions sampling;
  sampling.steps = options.num_steps;
  sampling.guidance.weight = options.guidance;
  sampling.mcmc = options.mcmc;
  sampling.masked = options.masked;
  // Stochastic samplers continue the same stream, so the grid depends on the seed alone.
  const models::NoiseSource randn = [&generator](const torch::Tensor& like) {
    return torch::randn(like.sizes(), generator, like.options());
  };
  const torch::Tensor labels = torch::arange(rows).repeat_interleave(options.per_class);
  return tile_images(evaluator::sample_pixels(model, decoder, labels, noise, sampling, randn), rows, options.per_class);
}

}  // namespace dact::workers::ema
