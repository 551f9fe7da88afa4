#pragma once
// The preview of an autoencoder (models/autoencoding_model.h): held-out images beside
// their reconstructions, one row per class of the dataset, `per_class` (image,
// reconstruction) pairs per row, so a glance shows what the latent keeps and loses.
#include <torch/torch.h>

#include <string>

#include "models/autoencoding_model.h"

namespace dact::workers::ema {

// The first `per_class` images of each class of `dataset_dir` (in dataset order), each
// followed by its reconstruction: uint8 [C, classes * H, 2 * per_class * W]. Throws
// storage::StorageError naming the dataset when it cannot be read, and
// std::invalid_argument when a class has fewer than `per_class` images or the images
// are not the model's shape.
torch::Tensor reconstruction_grid(models::Model& model, models::AutoencodingModel& autoencoder,
                                  const std::string& dataset_dir, int64_t per_class);

}  // namespace dact::workers::ema
