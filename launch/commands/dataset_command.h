#pragma once
// `dact dataset ...`: convert image sources into shard datasets, verify them
// against their manifest, and print a summary. Errors are thrown from the
// subcommand callbacks (storage::StorageError, std::invalid_argument) and turned
// into "dact: error: ..." with exit code 1 by run_cli.
#include <CLI/CLI.hpp>

namespace dact::launch {

// Registers the `dataset` subcommand group (convert, verify, info) on `app`.
void add_dataset_commands(CLI::App& app);

}  // namespace dact::launch
