#include "storage/image_sources/image_decode.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "storage/image_sources/jpeg_image.h"
#include "storage/png_image.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace {

constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);
constexpr std::string_view kJpegStartOfImage("\xff\xd8\xff", 3);

bool starts_with(std::string_view bytes, std::string_view prefix) {
  return bytes.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string lowercase_extension(const std::string& name) {
  std::string extension = std::filesystem::path(name).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

bool has_image_extension(const std::string& name) {
  static const std::array<const char*, 8> extensions = {".png", ".jpg",  ".jpeg", ".bmp",
                                                        ".gif", ".webp", ".tif",  ".tiff"};
  const std::string extension = lowercase_extension(name);
  return std::any_of(extensions.begin(), extensions.end(),
                     [&](const char* known) { return extension == known; });
}

torch::Tensor decode_image_rgb(std::string_view bytes, const std::string& name) {
  if (starts_with(bytes, kPngSignature)) return decode_png_rgb(bytes, name);
  if (starts_with(bytes, kJpegStartOfImage)) return decode_jpeg_rgb(bytes, name);
  throw StorageError(name, bytes.empty() ? "empty file, expected a PNG or JPEG image"
                                         : "not a PNG or JPEG image (by its first bytes)");
}

torch::Tensor read_image_rgb(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw StorageError(path, std::string("cannot open: ") + std::strerror(errno));
  const std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (file.bad()) throw StorageError(path, "read failed");
  return decode_image_rgb(bytes, path);
}

}  // namespace dact::storage
