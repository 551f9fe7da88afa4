#pragma once
// The images of an evaluation, one per seed: image i has class i mod classes, and its
// initial noise and every noise a stochastic sampler draws for it come from its own
// generators (seeded from i), so it depends on i alone, never on batch composition or
// on which evaluator drew it. Batches are aligned to absolute multiples of `batch`
// ([k batch, (k + 1) batch)), so two ranges split at a multiple of `batch` run the
// very same batches as their union.
#include <torch/torch.h>

#include <cstdint>
#include <functional>

#include "models/family.h"
#include "models/latent/pixel_decoder.h"

namespace dact::workers::evaluator {

// Class index of image `seed` for a model with `classes` labels (0 = unconditional).
int64_t seeded_class(int64_t seed, int64_t classes);
// Standard normal noise [C, H, W] of image `seed`.
torch::Tensor seeded_noise(int64_t seed, const models::ImageShape& shape);

struct SeededImages {
  torch::Tensor images;  // uint8 [n, C, H, W], in seed order
  torch::Tensor labels;  // int64 [n]
};

// Images [seed_begin, seed_end); `on_batch` sees each finished batch (seed range and
// pixels), e.g. to extract features without holding every image.
// `decoder` turns the model's samples into pixels (pixel_decoder.h).
using SeededBatchSink = std::function<void(int64_t seed_begin, int64_t seed_end, const torch::Tensor& images)>;
void for_each_seeded_batch(models::Model& model, models::latent::PixelDecoder& decoder, int64_t seed_begin,
                           int64_t seed_end, int64_t batch,
                           const models::SamplingOptions& options, const SeededBatchSink& on_batch);

SeededImages generate_seeded_images(models::Model& model, models::latent::PixelDecoder& decoder, int64_t seed_begin,
                                    int64_t seed_end, int64_t batch,
                                    const models::SamplingOptions& options);

}  // namespace dact::workers::evaluator
