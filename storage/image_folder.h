#pragma once
// A folder of images with one subfolder per class (the torchvision ImageFolder
// layout): ROOT/<class name>/<image>.png. Classes are the subfolder names in
// sorted order (label = position); images are *.png (any case), sorted by path.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

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

// Decoded, centre-cropped and resized: uint8 [3, resolution, resolution].
torch::Tensor load_folder_image(const std::string& path, int64_t resolution);

}  // namespace dact::storage
