#pragma once
// The held-out split of a run's dataset: the `test` directory beside dataset.dir, as
// `dact dataset convert` writes train/ and test/ for IDX sources (Fashion-MNIST). An
// autoencoder's evaluation reconstructs its images and its preview shows them
// (models/autoencoding_model.h); diffusion runs do not use it.
#include <string>

#include "launch/config/run_config.h"

namespace dact::launch {

// parent(dataset.dir)/test as an absolute path when it holds a dataset (manifest.json);
// "" when there is none.
std::string held_out_dataset_dir(const RunConfig& config);

// What an autoencoder's preview reconstructs: the held-out split, or dataset.dir itself
// when there is none (a preview of training images, said in the log).
std::string preview_reconstruction_dir(const RunConfig& config);

}  // namespace dact::launch
