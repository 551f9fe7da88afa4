#include "workers/evaluator/seeded_images.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "workers/seed_mixing.h"

namespace dact::workers::evaluator {

int64_t seeded_class(int64_t seed, int64_t classes) { return seed % classes; }

torch::Tensor seeded_noise(int64_t seed, int64_t channels, int64_t resolution) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(splitmix64(static_cast<uint64_t>(seed)));
  return torch::randn({channels, resolution, resolution}, generator, torch::kFloat32);
}

void for_each_seeded_batch(models::Edm2Precond& net, int64_t seed_begin, int64_t seed_end, int64_t batch,
                           const SamplingOptions& options, const SeededBatchSink& on_batch) {
  if (seed_begin < 0 || seed_end < seed_begin) {
    throw std::invalid_argument("seed range [" + std::to_string(seed_begin) + ", " + std::to_string(seed_end) +
                                ") is empty or negative");
  }
  if (batch < 1) throw std::invalid_argument("batch must be >= 1");
  const models::Edm2UNetConfig& unet = net->config().unet;
  if (unet.label_dim <= 0) throw std::invalid_argument("seeded images need a class-conditional network");
  for (int64_t begin = seed_begin; begin < seed_end;) {
    const int64_t end = std::min(seed_end, (begin / batch + 1) * batch);
    std::vector<torch::Tensor> noise;
    std::vector<int64_t> labels;
    for (int64_t seed = begin; seed < end; ++seed) {
      noise.push_back(seeded_noise(seed, unet.img_channels, unet.img_resolution));
      labels.push_back(seeded_class(seed, unet.label_dim));
    }
    const torch::Tensor label_tensor = torch::tensor(labels, torch::kInt64);
    on_batch(begin, end, sample_class_conditional(net, label_tensor, torch::stack(noise), options));
    begin = end;
  }
}

SeededImages generate_seeded_images(models::Edm2Precond& net, int64_t seed_begin, int64_t seed_end, int64_t batch,
                                    const SamplingOptions& options) {
  std::vector<torch::Tensor> images;
  for_each_seeded_batch(net, seed_begin, seed_end, batch, options,
                        [&images](int64_t, int64_t, const torch::Tensor& pixels) { images.push_back(pixels); });
  const models::Edm2UNetConfig& unet = net->config().unet;
  std::vector<int64_t> labels;
  for (int64_t seed = seed_begin; seed < seed_end; ++seed) labels.push_back(seeded_class(seed, unet.label_dim));
  SeededImages out;
  out.images = images.empty() ? torch::empty({0, unet.img_channels, unet.img_resolution, unet.img_resolution},
                                              torch::kUInt8)
                              : torch::cat(images);
  out.labels = torch::tensor(labels, torch::kInt64);
  return out;
}

}  // namespace dact::workers::evaluator
