#pragma once
// `dact sample`: images from one EMA track of a snapshot, seeded per image as the
// evaluator draws them (workers/evaluator/seeded_images.h): a PNG grid (one column per
// class) and an HDF5 file of the uint8 images and their labels.
#include <CLI/CLI.hpp>

namespace dact::launch {

void add_sample_command(CLI::App& app);

}  // namespace dact::launch
