#include "workers/evaluator/seeded_images.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "workers/evaluator/pixel_sampling.h"
#include "workers/seed_mixing.h"

namespace dact::workers::evaluator {
namespace {

// The stream a stochastic sampler draws image `seed`'s noise from; apart from the
// initial noise's (splitmix64(seed)).
constexpr uint64_t kSamplerNoiseStream = 1;

// Noise shaped like a batch, row i from image i's own generator.
models::NoiseSource per_image_noise(std::vector<at::Generator>& generators) {
  return [&generators](const torch::Tensor& like) {
    std::vector<torch::Tensor> rows;
    for (at::Generator& generator : generators) {
      rows.push_back(torch::randn(like.sizes().slice(1), generator, like.options()));
    }
    return torch::stack(rows);
  };
}

}  // namespace

int64_t seeded_class(int64_t seed, int64_t classes) { return classes > 0 ? seed % classes : 0; }

torch::Tensor seeded_noise(int64_t seed, const models::ImageShape& shape) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(splitmix64(static_cast<uint64_t>(seed)));
  return torch::randn({shape.channels, shape.resolution, shape.resolution}, generator, torch::kFloat32);
}

void for_each_seeded_batch(models::Model& model, models::latent::PixelDecoder& decoder, int64_t seed_begin,
                           int64_t seed_end, int64_t batch,
                           const models::SamplingOptions& options, const SeededBatchSink& on_batch) {
  if (seed_begin < 0 || seed_end < seed_begin) {
    throw std::invalid_argument("seed range [" + std::to_string(seed_begin) + ", " + std::to_string(seed_end) +
                                ") is empty or negative");
  }
  if (batch < 1) throw std::invalid_argument("batch must be >= 1");
  const models::ImageShape shape = model.image_shape();
  for (int64_t begin = seed_begin; begin < seed_end;) {
    const int64_t end = std::min(seed_end, (begin / batch + 1) * batch);
    std::vector<torch::Tensor> noise;
    std::vector<int64_t> labels;
    std::vector<at::Generator> sampler_generators;
    for (int64_t seed = begin; seed < end; ++seed) {
      noise.push_back(seeded_noise(seed, shape));
      labels.push_back(seeded_class(seed, model.label_dim()));
      sampler_generators.push_back(
          at::make_generator<at::CPUGeneratorImpl>(mix_seed({static_cast<uint64_t>(seed), kSamplerNoiseStream})));
    }
    const torch::Tensor label_tensor = torch::tensor(labels, torch::kInt64);
    on_batch(begin, end,
             sample_pixels(model, decoder, label_tensor, torch::stack(noise), options,
                           per_image_noise(sampler_generators)));
    begin = end;
  }
}

SeededImages generate_seeded_images(models::Model& model, models::latent::PixelDecoder& decoder, int64_t seed_begin,
                                    int64_t seed_end, int64_t batch,
                                    const models::SamplingOptions& options) {
  std::vector<torch::Tensor> images;
  for_each_seeded_batch(model, decoder, seed_begin, seed_end, batch, options,
                        [&images](int64_t, int64_t, const torch::Tensor& pixels) { images.push_back(pixels); });
  std::vector<int64_t> labels;
  for (int64_t seed = seed_begin; seed < seed_end; ++seed) labels.push_back(seeded_class(seed, model.label_dim()));
  const models::ImageShape shape = model.image_shape();
  SeededImages out;
  out.images = images.empty() ? torch::empty({0, shape.channels, shape.resolution, shape.resolution}, torch::kUInt8)
                              : torch::cat(images);
  out.labels = torch::tensor(labels, torch::kInt64);
  return out;
}

}  // namespace dact::workers::evaluator
