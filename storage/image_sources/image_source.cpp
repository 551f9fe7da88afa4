#include "storage/image_sources/image_source.h"

#include <filesystem>

#include "storage/image_sources/edm_dataset_zip.h"
#include "storage/image_sources/image_decode.h"
#include "storage/image_sources/image_folder.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace fs = std::filesystem;

std::unique_ptr<ImageSource> open_image_source(const std::string& source) {
  if (fs::is_directory(source)) return open_image_folder(source);
  if (lowercase_extension(source) == ".zip") return open_edm_dataset_zip(source);
  throw StorageError(source, fs::exists(source)
                                 ? "not a directory or a .zip archive"
                                 : "no such file or directory");
}

}  // namespace dact::storage
