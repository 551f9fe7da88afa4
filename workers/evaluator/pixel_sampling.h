#pragma once
// Sampling a model family down to uint8 pixels, as the preview grid, the evaluator and
// `dact sample` all draw: the job's torch-free settings become the family's sampling
// options, and model space becomes pixels.
#include <torch/torch.h>

#include <memory>

#include "models/family.h"
#include "models/latent/pixel_decoder.h"
#include "workers/evaluator/evaluation_job_settings.h"

namespace dact::workers::evaluator {

// The sampling options of `job` with `guide` as the guide network (autoguidance; the
// caller keeps it alive); an unknown guidance ramp is std::invalid_argument.
models::SamplingOptions sampling_options(const EvaluationJob& job, models::Model* guide = nullptr);

// The network of the job's guide_snapshot (its guide_std track), or null when it names
// none. Errors as load_snapshot_network's.
std::unique_ptr<models::Model> load_guide_network(const EvaluationJob& job);

// labels: int64 class indices [N]; noise: standard normal [N, C, H, W] in model space;
// `randn` feeds stochastic samplers; `decoder` maps the samples to pixels (identity
// range map for pixel models, the autoencoder for latent ones). Returns uint8 pixels.
torch::Tensor sample_pixels(models::Model& model, models::latent::PixelDecoder& decoder, const torch::Tensor& labels,
                            const torch::Tensor& noise,
                            const models::SamplingOptions& options,
                            const models::NoiseSource& randn = models::standard_normal_like);

}  // namespace dact::workers::evaluator
