#include "storage/png_image.h"

#include <png.h>

#include <cstring>

#include "storage/storage_error.h"

namespace dact::storage {

torch::Tensor read_png_rgb(const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    throw StorageError(path, std::string("cannot read PNG: ") + image.message);
  }
  image.format = PNG_FORMAT_RGB;
  torch::Tensor pixels = torch::empty(
      {static_cast<int64_t>(image.height), static_cast<int64_t>(image.width), 3}, torch::kUInt8);
  if (!png_image_finish_read(&image, nullptr, pixels.data_ptr(), 0, nullptr)) {
    const std::string message = image.message;
    png_image_free(&image);
    throw StorageError(path, "cannot decode PNG: " + message);
  }
  return pixels.permute({2, 0, 1}).contiguous();
}

}  // namespace dact::storage
