#pragma once
// Named EDM2 network sizes. The published ones follow NVlabs/edm2 train_edm2.py
// (Precond with model_channels and dropout from the preset, the other arguments at
// their defaults); the tiny ones are for tests and CPU training.
#include <string>
#include <vector>

#include "models/edm2/edm2_precond.h"

namespace dact::models {

// edm2-img512-xs: ImageNet-512 latents (64x64x4), 1000 classes, 128 channels.
// edm2-img64-s:   ImageNet-64 pixels (64x64x3), 1000 classes, 192 channels.
// edm2-tiny:      the reference test network (8x8x4, 10 classes, channels 32/64).
// edm2-fashion-tiny: 32x32x1, 10 classes (Fashion-MNIST padded to 32), channels 16/32/64
//                   at 32/16/8 pixels, attention (one head) at 8x8.
// Unknown names throw std::invalid_argument listing the known ones.
Edm2PrecondConfig edm2_named_config(const std::string& name);
std::vector<std::string> edm2_config_names();

}  // namespace dact::models
