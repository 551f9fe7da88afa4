#include "workers/evaluator/evaluation_metrics.h"

#include <algorithm>
#include <stdexcept>

#include "models/metrics/frechet_distance.h"
#include "models/metrics/kernel_inception_distance.h"
#include "models/metrics/precision_recall.h"

namespace dact::workers::evaluator {

nlohmann::json compare_feature_sets(const models::metrics::FeatureStatistics& gen_stats,
                                    const torch::Tensor& gen_features,
                                    const models::metrics::FeatureStatistics& ref_stats,
                                    const torch::Tensor& ref_features, const MetricOptions& options) {
  namespace metrics = models::metrics;
  if (gen_stats.dim != ref_stats.dim) {
    throw std::invalid_argument("feature dimensions differ: generated d = " + std::to_string(gen_stats.dim) +
                                ", reference d = " + std::to_string(ref_stats.dim));
  }
  const torch::Tensor gen = gen_features.to(torch::kFloat64);
  const torch::Tensor ref = ref_features.to(torch::kFloat64);
  const double fd =
      metrics::frechet_distance(gen_stats.mean(), gen_stats.covariance(), ref_stats.mean(), ref_stats.covariance());
  // Imported statistics (mu and sigma only, reference_npz.h) hold no features: FD alone.
  if (ref.size(0) < 2 || gen.size(0) < 2) return {{"fd", fd}};
  const int64_t subset_size = options.kid_subset_size > 0
                                  ? options.kid_subset_size
                                  : std::min({int64_t{1000}, gen.size(0), ref.size(0)});
  // Different seeds for the two sets so their subsets are drawn independently.
  const auto kid = metrics::kernel_inception_distance(
      gen, ref, metrics::kid_subset_indices(gen.size(0), options.kid_subsets, subset_size, options.seed),
      metrics::kid_subset_indices(ref.size(0), options.kid_subsets, subset_size, options.seed + 1));
  const auto pr = metrics::precision_recall(gen, ref, options.k);
  return {{"fd", fd}, {"kid_mean", kid.mean}, {"kid_std", kid.std}, {"precision", pr.precision},
          {"recall", pr.recall}};
}

nlohmann::json metrics_against_reference(const EvaluationPart& generated, const ReferenceStatistics& reference,
                                         const MetricOptions& options) {
  if (generated.feature_net != reference.feature_net) {
    throw std::invalid_argument("generated features come from '" + generated.feature_net +
                                "' but the reference statistics from '" + reference.feature_net + "'");
  }
  nlohmann::json metrics =
      compare_feature_sets(generated.stats, generated.features, reference.stats, reference.features, options);
  metrics["images"] = generated.images;
  metrics["feature_net"] = generated.feature_net;
  return metrics;
}

}  // namespace dact::workers::evaluator
