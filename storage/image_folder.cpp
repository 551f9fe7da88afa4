#include "storage/image_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "storage/image_resize.h"
#include "storage/png_image.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace fs = std::filesystem;
namespace {

bool is_png(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".png";
}

}  // namespace

ImageFolderListing list_image_folder(const std::string& root) {
  if (!fs::is_directory(root)) throw StorageError(root, "not a directory");
  ImageFolderListing listing;
  for (const fs::directory_entry& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) listing.class_names.push_back(entry.path().filename().string());
  }
  if (listing.class_names.empty()) {
    throw StorageError(root, "no class subfolders (expected ROOT/<class>/<image>.png)");
  }
  std::sort(listing.class_names.begin(), listing.class_names.end());
  for (size_t label = 0; label < listing.class_names.size(); ++label) {
    std::vector<std::string> paths;
    for (const fs::directory_entry& entry :
         fs::recursive_directory_iterator(fs::path(root) / listing.class_names[label])) {
      if (entry.is_regular_file() && is_png(entry.path())) paths.push_back(entry.path().string());
    }
    std::sort(paths.begin(), paths.end());
    for (std::string& path : paths) {
      listing.images.push_back({std::move(path), static_cast<int64_t>(label)});
    }
  }
  if (listing.images.empty()) throw StorageError(root, "no .png images in the class subfolders");
  return listing;
}

torch::Tensor load_folder_image(const std::string& path, int64_t resolution) {
  return center_crop_resize(read_png_rgb(path), resolution);
}

}  // namespace dact::storage
