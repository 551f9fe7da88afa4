#pragma once
// `dact eval compare`: generative metrics between two stored feature sets
// (FILE.h5:DATASET, [N, d] each), printed as one JSON object with fd, kid_mean,
// kid_std, precision, recall (%.17g). Unreadable files, missing datasets and
// mismatched shapes throw (storage::StorageError / std::invalid_argument naming
// the file and dataset); run_cli turns that into "dact: error: ..." and exit 1.
#include <CLI/CLI.hpp>

namespace dact::launch {

// Registers the `eval` subcommand group (compare) on `app`.
void add_eval_commands(CLI::App& app);

}  // namespace dact::launch
