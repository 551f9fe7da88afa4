#include "storage/png_image.h"

#include <png.h>

#include <cstring>

#include "storage/storage_error.h"

namespace dact::storage {
namespace {

// Finishes a png_image whose header was read: RGBA, so that libpng keeps the colour
// values as stored (it would composite onto a background for RGB output), then the
// alpha channel is dropped as Pillow's convert('RGB') does.
torch::Tensor finish_png_read(png_image& image, const std::string& name) {
  image.format = PNG_FORMAT_RGBA;
  torch::Tensor pixels = torch::empty(
      {static_cast<int64_t>(image.height), static_cast<int64_t>(image.width), 4}, torch::kUInt8);
  if (!png_image_finish_read(&image, nullptr, pixels.data_ptr(), 0, nullptr)) {
    const std::string message = image.message;
    png_image_free(&image);
    throw StorageError(name, "cannot decode PNG: " + message);
  }
  return pixels.slice(2, 0, 3).permute({2, 0, 1}).contiguous();
}

png_image empty_png_image() {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  return image;
}

}  // namespace

torch::Tensor read_png_rgb(const std::string& path) {
  png_image image = empty_png_image();
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    throw StorageError(path, std::string("cannot read PNG: ") + image.message);
  }
  return finish_png_read(image, path);
}

torch::Tensor decode_png_rgb(std::string_view bytes, const std::string& name) {
  png_image image = empty_png_image();
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) {
    throw StorageError(name, std::string("cannot read PNG: ") + image.message);
  }
  return finish_png_read(image, name);
}

}  // namespace dact::storage
