#include "workers/evaluator/evaluation_job.h"

#include <chrono>
#include <stdexcept>

#include "workers/evaluator/pixel_sampling.h"
#include "workers/evaluator/seeded_images.h"

namespace dact::workers::evaluator {

EvaluationPart run_evaluation_part(const EvaluationJob& job, models::features::FeatureNetwork& features) {
  const auto start = std::chrono::steady_clock::now();
  const std::unique_ptr<models::Model> net = load_snapshot_network(job.snapshot_path, job.ema_std, job.ema_name);
  const std::shared_ptr<models::latent::PixelDecoder> decoder = load_snapshot_decoder(job.snapshot_path);
  const std::unique_ptr<models::Model> guide = load_guide_network(job);
  const models::SamplingOptions sampling = sampling_options(job, guide.get());

  EvaluationPart part(features.dim());
  part.feature_net = features.name();
  part.seed_begin = job.seed_begin;
  part.seed_end = job.seed_end;
  std::vector<torch::Tensor> rows;
  for_each_seeded_batch(*net, *decoder, job.seed_begin, job.seed_end, job.batch, sampling,
                        [&](int64_t, int64_t, const torch::Tensor& images) {
                          const torch::Tensor batch_features = features.features(images).to(torch::kFloat32);
                          part.stats.add(batch_features);
                          rows.push_back(batch_features);
                        });
  part.features = rows.empty() ? torch::empty({0, features.dim()}, torch::kFloat32) : torch::cat(rows);
  part.images = part.features.size(0);
  part.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return part;
}

EvaluationPart merge_parts(const std::vector<EvaluationPart>& parts_in_seed_order) {
  if (parts_in_seed_order.empty()) throw std::invalid_argument("merge_parts: no parts");
  const EvaluationPart& first = parts_in_seed_order.front();
  EvaluationPart merged(first.stats.dim);
  merged.feature_net = first.feature_net;
  merged.seed_begin = merged.seed_end = first.seed_begin;
  std::vector<torch::Tensor> rows;
  for (const EvaluationPart& part : parts_in_seed_order) {
    if (part.feature_net != merged.feature_net) {
      throw std::invalid_argument("merge_parts: features of '" + part.feature_net + "' and '" +
                                  merged.feature_net + "'");
    }
    if (part.seed_begin != merged.seed_end) {
      throw std::invalid_argument("merge_parts: part [" + std::to_string(part.seed_begin) + ", " +
                                  std::to_string(part.seed_end) + ") does not follow seed " +
                                  std::to_string(merged.seed_end));
    }
    merged.stats.merge(part.stats);
    rows.push_back(part.features);
    merged.seed_end = part.seed_end;
    merged.images += part.images;
    merged.seconds += part.seconds;
  }
  merged.features = torch::cat(rows);
  return merged;
}

}  // namespace dact::workers::evaluator
