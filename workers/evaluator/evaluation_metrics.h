#pragma once
// The generative metrics of a generated feature set against a reference one: FD from
// the mergeable moments, KID (unbiased MMD^2, cubic kernel, subsets) and precision /
// recall (k-NN radii) from the stored features. `dact eval compare`, `dact eval` and
// the coordinator's metrics.jsonl lines all come from here.
#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>

#include "models/metrics/feature_statistics.h"
#include "workers/evaluator/evaluation_job.h"
#include "workers/evaluator/reference_statistics.h"

namespace dact::workers::evaluator {

struct MetricOptions {
  int64_t kid_subsets = 100;
  int64_t kid_subset_size = 0;  // 0 = min(1000, n_gen, n_ref)
  int64_t k = 3;                // neighbour rank of the precision/recall radii
  uint64_t seed = 0;            // KID subset draw (seed for gen, seed + 1 for ref)
};

// {"fd", "kid_mean", "kid_std", "precision", "recall"}; feature matrices [n, d] with n >= 2.
nlohmann::json compare_feature_sets(const models::metrics::FeatureStatistics& gen_stats,
                                    const torch::Tensor& gen_features,
                                    const models::metrics::FeatureStatistics& ref_stats,
                                    const torch::Tensor& ref_features, const MetricOptions& options = {});

// compare_feature_sets plus "images" (and "feature_net"); generated and reference must
// come from the same feature net, else std::invalid_argument naming both.
nlohmann::json metrics_against_reference(const EvaluationPart& generated, const ReferenceStatistics& reference,
                                         const MetricOptions& options = {});

}  // namespace dact::workers::evaluator
