#include "storage/png_writer.h"

#include <png.h>

#include <cstring>

#include "storage/atomic_file.h"
#include "storage/storage_error.h"

namespace dact::storage {

void write_png(const std::string& path, const torch::Tensor& image) {
  if (image.dim() != 3 || (image.size(0) != 1 && image.size(0) != 3) ||
      image.scalar_type() != torch::kUInt8) {
    throw StorageError(path, "PNG needs a uint8 [1 or 3, H, W] image");
  }
  const torch::Tensor interleaved = image.permute({1, 2, 0}).contiguous();  // HWC
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.size(2));
  png.height = static_cast<png_uint_32>(image.size(1));
  png.format = image.size(0) == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  AtomicFile file(path);
  if (!png_image_write_to_file(&png, file.temp_path().c_str(), 0, interleaved.data_ptr(), 0, nullptr)) {
    throw StorageError(path, std::string("cannot write PNG: ") + png.message);
  }
  file.commit();
}

}  // namespace dact::storage
