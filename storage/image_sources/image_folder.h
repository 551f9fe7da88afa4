#pragma once
// A folder of images with one subfolder per class: the torchvision ImageFolder layout,
// which ImageNet's train/<wnid>/*.JPEG follows. Classes are the subfolder names in
// sorted order (label = position, as torchvision's ImageFolder and EDM2's
// dataset_tool.py number them); images are the files below each class folder (at any
// depth) with an image extension (image_decode.h), sorted by path.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "storage/image_sources/image_source.h"

namespace dact::storage {

struct LabelledImagePath {
  std::string path;
  int64_t label = 0;
};

struct ImageFolderListing {
  std::vector<std::string> class_names;
  std::vector<LabelledImagePath> images;
};

// No class subfolder, or no image at all, is a StorageError naming `root`.
ImageFolderListing list_image_folder(const std::string& root);

std::unique_ptr<ImageSource> open_image_folder(const std::string& root);

}  // namespace dact::storage
