#include "storage/staged_directory.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "storage/atomic_file.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace fs = std::filesystem;

StagedDirectory::StagedDirectory(std::string final_path) : final_path_(std::move(final_path)) {
  fs::path final_dir = fs::path(final_path_).lexically_normal();
  if (final_dir.filename().empty()) final_dir = final_dir.parent_path();  // "dest/"
  std::error_code error;
  if (fs::exists(final_dir, error) &&
      !(fs::is_directory(final_dir, error) && fs::is_empty(final_dir, error))) {
    throw StorageError(final_path_,
                       "exists and is not an empty directory; remove it or choose another "
                       "destination (nothing in it is replaced)");
  }
  const fs::path parent = final_dir.has_parent_path() ? final_dir.parent_path() : fs::path(".");
  fs::create_directories(parent);
  std::string pattern =
      (parent / ("." + final_dir.filename().string() + ".staging-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw StorageError(final_path_, "cannot create a staging directory " + pattern + ": " +
                                        std::strerror(errno));
  }
  final_path_ = final_dir.string();
  staging_path_ = pattern;
}

StagedDirectory::~StagedDirectory() {
  if (committed_) return;
  std::error_code ignored;  // a destructor must not throw; the name says what it was
  fs::remove_all(staging_path_, ignored);
}

void StagedDirectory::commit() {
  // rename(2) replaces an empty directory and refuses a non-empty one (ENOTEMPTY).
  if (std::rename(staging_path_.c_str(), final_path_.c_str()) != 0) {
    throw StorageError(final_path_, "cannot rename " + staging_path_ + " into place: " +
                                        std::strerror(errno));
  }
  committed_ = true;
  const fs::path parent = fs::path(final_path_).parent_path();
  fsync_path(parent.empty() ? "." : parent.string());
}

}  // namespace dact::storage
