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
// The dataset the reference statistics describe: dataset.dir, or for an autoencoder
// (models/autoencoding_model.h) the held-out split it reconstructs
// (launch/held_out_split.h; config::ConfigError when there is none).
std::string reference_dataset_dir(const RunConfig& config);

// With eval.enabled: trains the feature classifier and writes the reference statistics
// of reference_dataset_dir when their (auto) files are missing. A missing file named
// explicitly in the config is an error naming the key.
void ensure_evaluation_files(const RunConfig& config);

}  // namespace dact::launch
