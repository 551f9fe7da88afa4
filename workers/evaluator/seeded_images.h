#pragma once
// The images of an evaluation, one per seed: image i has class i mod classes and noise
// drawn from its own generator (seeded with splitmix64 of i), so it depends on i alone,
// never on batch composition or on which evaluator drew it. Batches are aligned to
// absolute multiples of `batch` ([k batch, (k + 1) batch)), so two ranges split at a
// multiple of `batch` run the very same batches as their union.
#include <torch/torch.h>

#include <cstdint>
#include <functional>

#include "models/edm2/edm2_precond.h"
#include "workers/evaluator/class_conditional_sampler.h"

namespace dact::workers::evaluator {

// Class index of image `seed` for a net with `classes` labels.
int64_t seeded_class(int64_t seed, int64_t classes);
// Standard normal noise [C, H, W] of image `seed`.
torch::Tensor seeded_noise(int64_t seed, int64_t channels, int64_t resolution);

struct SeededImages {
  torch::Tensor images;  // uint8 [n, C, H, W], in seed order
  torch::Tensor labels;  // int64 [n]
};

// Images [seed_begin, seed_end); `on_batch` (may be empty) sees each finished batch
// (seed range and pixels), e.g. to extract features without holding every image.
using SeededBatchSink = std::function<void(int64_t seed_begin, int64_t seed_end, const torch::Tensor& images)>;
void for_each_seeded_batch(models::Edm2Precond& net, int64_t seed_begin, int64_t seed_end, int64_t batch,
                           const SamplingOptions& options, const SeededBatchSink& on_batch);

SeededImages generate_seeded_images(models::Edm2Precond& net, int64_t seed_begin, int64_t seed_end, int64_t batch,
                                    const SamplingOptions& options);

}  // namespace dact::workers::evaluator
