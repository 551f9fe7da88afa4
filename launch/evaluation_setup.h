#pragma once
// Where a run's evaluation finds its feature network and reference statistics, and
// making them when the config says "auto" and they are missing (like ensure_dataset):
// `auto` places both beside the dataset, so every run on that dataset shares them.
#include <string>

#include "launch/config/run_config.h"

namespace dact::launch {

// eval.features / eval.reference with "auto" resolved, as absolute paths (evaluators
// that join from another directory get them in their jobs).
std::string feature_weights_path(const RunConfig& config);
std::string reference_statistics_path(const RunConfig& config);

// With eval.enabled: trains the feature classifier and writes the reference statistics
// of the training set when their (auto) files are missing. A missing file named
// explicitly in the config is an error naming the key.
void ensure_evaluation_files(const RunConfig& config);

}  // namespace dact::launch
