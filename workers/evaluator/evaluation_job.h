#pragma once
// One unit of evaluation work and its mergeable result. A job samples the images of a
// seed range from one EMA track of a snapshot and extracts their features; parts of
// one evaluation, run anywhere, merge into exactly the result of one big job (image i
// depends on seed i alone, see seeded_images.h). Used by the evaluator actor and by
// the offline `dact eval`.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "models/features/feature_network.h"
#include "models/metrics/feature_statistics.h"
#include "workers/evaluator/evaluation_job_settings.h"
#include "workers/evaluator/snapshot_network.h"

namespace dact::workers::evaluator {

struct EvaluationPart {
  explicit EvaluationPart(int64_t dim = 0) : stats(dim) {}

  std::string feature_net;  // FeatureNetwork::name()
  int64_t seed_begin = 0, seed_end = 0;
  models::metrics::FeatureStatistics stats;
  torch::Tensor features;  // float32 [images, d], in seed order (KID, precision/recall)
  int64_t images = 0;
  double seconds = 0;  // wall time of sampling + features
};

// Samples, extracts features and accumulates statistics for job's seed range.
// Throws storage::StorageError naming the snapshot, std::invalid_argument for bad settings.
EvaluationPart run_evaluation_part(const EvaluationJob& job, models::features::FeatureNetwork& features);

// Concatenates parts whose seed ranges follow each other (in that order), of one
// feature net; anything else is std::invalid_argument. seconds add up.
EvaluationPart merge_parts(const std::vector<EvaluationPart>& parts_in_seed_order);

}  // namespace dact::workers::evaluator
