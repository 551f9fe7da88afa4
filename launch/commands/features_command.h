#pragma once
// `dact features extract` (features of uint8 images from an HDF5 dataset with a feature
// network) and `dact features train` (the Fashion-MNIST feature classifier). Errors
// name the file, dataset or option at fault; run_cli prints "dact: error: ...".
#include <CLI/CLI.hpp>

namespace dact::launch {

// Registers the `features` subcommand group on `app`.
void add_features_commands(CLI::App& app);

}  // namespace dact::launch
