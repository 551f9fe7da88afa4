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
// - Image folder (ROOT/<class>/<image>.{png,jpg,jpeg}, e.g. ImageNet's train/<wnid>/,
//   see image_sources/image_folder.h) or EDM's dataset ZIP (images + dataset.json, see
//   image_sources/edm_dataset_zip.h): one RGB dataset in DEST, each image brought to
//   the resolution by the transform (image_sources/image_transform.h). Without a
//   resolution every image must already be square and of one size, which is kept.
//
// Each dataset directory is written under a temporary name beside it and renamed into
// place when complete (staged_directory.h): a failed conversion leaves no dataset
// directory, and an existing non-empty destination is refused, never replaced.
#include <cstdint>
#include <string>
#include <vector>

#include "storage/shard_manifest.h"

namespace dact::storage {

struct ConvertOptions {
  int64_t resolution = 0;      // pixels; 0 = keep the source's (IDX only)
  int64_t shard_size = 10000;  // samples per shard file
  std::string split = "all";   // IDX: "train", "test" or "all"
  // Image sources: a name of image_transform_names(); IDX takes only the default.
  std::string transform = "center-crop-bilinear";
};

struct ConvertedDataset {
  std::string dir;
  ShardManifest manifest;
};

bool is_idx_source(const std::string& source);

// Bad options = std::invalid_argument; unreadable or corrupt sources (down to the one
// image) and write failures = StorageError naming the file. A destination dataset
// directory that exists and is not empty is refused.
std::vector<ConvertedDataset> convert_dataset(const std::string& source, const std::string& dest,
                                              const ConvertOptions& options);

}  // namespace dact::storage
