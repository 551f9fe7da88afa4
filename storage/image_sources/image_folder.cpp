#include "storage/image_sources/image_folder.h"

#include <algorithm>
#include <filesystem>

#include "storage/image_sources/image_decode.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace fs = std::filesystem;
namespace {

class ImageFolderSource : public ImageSource {
 public:
  explicit ImageFolderSource(ImageFolderListing listing) : listing_(std::move(listing)) {}
  const std::vector<std::string>& class_names() const override { return listing_.class_names; }
  int64_t size() const override { return static_cast<int64_t>(listing_.images.size()); }
  int64_t label(int64_t index) const override { return listing_.images.at(index).label; }
  std::string name(int64_t index) const override { return listing_.images.at(index).path; }
  torch::Tensor decode(int64_t index) const override { return read_image_rgb(name(index)); }

 private:
  ImageFolderListing listing_;
};

}  // namespace

ImageFolderListing list_image_folder(const std::string& root) {
  if (!fs::is_directory(root)) throw StorageError(root, "not a directory");
  ImageFolderListing listing;
  for (const fs::directory_entry& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) listing.class_names.push_back(entry.path().filename().string());
  }
  if (listing.class_names.empty()) {
    throw StorageError(root, "no class subfolders (expected ROOT/<class>/<image>)");
  }
  std::sort(listing.class_names.begin(), listing.class_names.end());
  for (size_t label = 0; label < listing.class_names.size(); ++label) {
    std::vector<std::string> paths;
    for (const fs::directory_entry& entry :
         fs::recursive_directory_iterator(fs::path(root) / listing.class_names[label])) {
      if (entry.is_regular_file() && has_image_extension(entry.path().string())) {
        paths.push_back(entry.path().string());
      }
    }
    std::sort(paths.begin(), paths.end());
    for (std::string& path : paths) {
      listing.images.push_back({std::move(path), static_cast<int64_t>(label)});
    }
  }
  if (listing.images.empty()) {
    throw StorageError(root, "no .png/.jpg/.jpeg images in the class subfolders");
  }
  return listing;
}

std::unique_ptr<ImageSource> open_image_folder(const std::string& root) {
  return std::make_unique<ImageFolderSource>(list_image_folder(root));
}

}  // namespace dact::storage
