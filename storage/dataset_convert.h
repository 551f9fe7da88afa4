#pragma once
// `dact dataset convert`: turns a source image collection into shard datasets.
//
// Sources:
// - IDX (MNIST / Fashion-MNIST, e.g. /usr/share/datasets/fashion-mnist): a folder
//   with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz] and the t10k-*
//   pair. Each split becomes its own dataset: DEST/train and DEST/test. Images keep
//   28x28 unless a resolution is given (larger = zero padding, see image_resize.h).
//   Class names are Fashion-MNIST's when the folder is named "fashion-mnist",
//   otherwise "0".."9".
// - Image folder (ROOT/<class>/<image>.png, see image_folder.h): one dataset in
//   DEST, RGB, centre-cropped and resized to the (required) resolution.
#include <cstdint>
#include <string>
#include <vector>

#include "storage/shard_manifest.h"

namespace dact::storage {

struct ConvertOptions {
  int64_t resolution = 0;      // pixels; 0 = keep the source's (IDX only)
  int64_t shard_size = 10000;  // samples per shard file
  std::string split = "all";   // IDX: "train", "test" or "all"
};

struct ConvertedDataset {
  std::string dir;
  ShardManifest manifest;
};

bool is_idx_source(const std::string& source);

// Bad options = std::invalid_argument; unreadable sources and write failures =
// StorageError naming the file. An existing dataset at a destination is refused.
std::vector<ConvertedDataset> convert_dataset(const std::string& source, const std::string& dest,
                                              const ConvertOptions& options);

}  // namespace dact::storage
