#include "workers/ema/reconstruction_grid.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "models/pixel_range.h"
#include "storage/shard_dataset.h"
#include "workers/ema/preview_grid.h"

namespace dact::workers::ema {
namespace {

// Dataset indices of the first `per_class` images of every class, class by class.
std::vector<int64_t> first_images_per_class(const storage::ShardDataset& dataset, int64_t per_class) {
  const int64_t classes = std::max<int64_t>(static_cast<int64_t>(dataset.manifest().class_names.size()), 1);
  const torch::Tensor labels = dataset.labels().contiguous();
  const int64_t* label = labels.data_ptr<int64_t>();
  std::vector<std::vector<int64_t>> chosen(static_cast<size_t>(classes));
  for (int64_t i = 0; i < dataset.size(); ++i) {
    const int64_t c = classes == 1 ? 0 : label[i];
    if (c < 0 || c >= classes) continue;
    if (static_cast<int64_t>(chosen[static_cast<size_t>(c)].size()) < per_class) chosen[static_cast<size_t>(c)].push_back(i);
  }
  std::vector<int64_t> indices;
  for (int64_t c = 0; c < classes; ++c) {
    const std::vector<int64_t>& of_class = chosen[static_cast<size_t>(c)];
    if (static_cast<int64_t>(of_class.size()) < per_class) {
      throw std::invalid_argument(dataset.dir() + ": class " + std::to_string(c) + " has " +
                                  std::to_string(of_class.size()) + " images, the preview shows " +
                                  std::to_string(per_class) + " per class (ema.preview.per_class)");
    }
    indices.insert(indices.end(), of_class.begin(), of_class.end());
  }
  return indices;
}

}  // namespace

torch::Tensor reconstruction_grid(models::Model& model, models::AutoencodingModel& autoencoder,
                                  const std::string& dataset_dir, int64_t per_class) {
  const storage::ShardDataset dataset(dataset_dir);
  const std::vector<int64_t> indices = first_images_per_class(dataset, per_class);
  const torch::Tensor originals = dataset.read(indices).samples;
  const models::ImageShape shape = model.image_shape();
  if (originals.size(1) != shape.channels || originals.size(2) != shape.resolution ||
      originals.size(3) != shape.resolution) {
    throw std::invalid_argument(dataset_dir + ": images are " + std::to_string(originals.size(1)) + "x" +
                                std::to_string(originals.size(2)) + "x" + std::to_string(originals.size(3)) +
                                ", the autoencoder reads " + std::to_string(shape.channels) + "x" +
                                std::to_string(shape.resolution) + "x" + std::to_string(shape.resolution));
  }
  const torch::Tensor reconstructions =
      models::model_space_to_pixels(autoencoder.reconstruct(models::pixels_to_model_space(originals)));
  // Interleave: image, its reconstruction, next image, ...
  const torch::Tensor pairs = torch::stack({originals, reconstructions}, 1).flatten(0, 1);
  const int64_t rows = static_cast<int64_t>(indices.size()) / per_class;
  return tile_images(pairs, rows, 2 * per_class);
}

}  // namespace dact::workers::ema
