#pragma once
// `dact eval`: generative metrics.
//  - `dact eval --snapshot S --ref stats.h5 --num N ...` samples N images from a
//    snapshot (seeds [seed, seed + N)), extracts features and prints the metrics JSON
//    (fd, kid_mean, kid_std, precision, recall, images, feature_net);
//  - `dact eval ref --dataset D --features W.h5 --out stats.h5` writes the reference
//    statistics of a dataset;
//  - `dact eval compare --gen F.h5:D --ref F.h5:D` compares two stored feature sets
//    (fd, kid_mean, kid_std, precision, recall).
// Unreadable files, missing datasets, mismatched shapes or feature nets throw
// (storage::StorageError / std::invalid_argument naming the file and dataset);
// run_cli turns that into "dact: error: ..." and exit 1.
#include <CLI/CLI.hpp>

namespace dact::launch {

// Registers the `eval` command and its subcommands (ref, compare) on `app`.
void add_eval_commands(CLI::App& app);

}  // namespace dact::launch
