#pragma once
// Feature statistics of a real dataset, what generated images are measured against:
// the moments of every image and the features of up to max_features of them (for KID
// and precision/recall), tagged with the feature net that produced them. Stored as a
// dact tensor file (metadata kind "reference-statistics"): tensors count, sum,
// outer_sum (float64) and features (float32 [n, d]).
#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "models/features/feature_network.h"
#include "models/metrics/feature_statistics.h"
#include "storage/shard_dataset.h"

namespace dact::workers::evaluator {

struct ReferenceStatistics {
  explicit ReferenceStatistics(int64_t dim = 0) : stats(dim) {}

  std::string feature_net;  // FeatureNetwork::name()
  models::metrics::FeatureStatistics stats;
  torch::Tensor features;  // float32 [n, d]
  nlohmann::json source = nlohmann::json::object();  // e.g. dataset dir, split
};

// Atomic write.
void write_reference_statistics(const std::string& path, const ReferenceStatistics& reference);
// Throws storage::StorageError naming the file if it does not verify or holds no reference statistics.
ReferenceStatistics read_reference_statistics(const std::string& path);

// 16 hex digits of xxHash64 over the moments and kept features (names, dtypes, shapes,
// bytes; models/features/weights_fingerprint.h): equal for equal statistics wherever
// they are stored, so metrics lines say which reference they were measured against.
std::string reference_fingerprint(const ReferenceStatistics& reference);

// Features of every image of `dataset` (uint8 images), `batch` at a time. Keeps the
// features of max_features images (0 = all), a seeded uniform choice kept in dataset order.
ReferenceStatistics compute_reference_statistics(const storage::ShardDataset& dataset,
                                                 models::features::FeatureNetwork& features, int64_t batch,
                                                 int64_t max_features);

}  // namespace dact::workers::evaluator
