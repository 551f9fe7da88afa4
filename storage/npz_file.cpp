#include "storage/npz_file.h"

#include <unistd.h>
#include <zip.h>

#include <cstdio>
#include <filesystem>

#include "storage/atomic_file.h"
#include "storage/image_sources/zip_archive.h"
#include "storage/npy_format.h"
#include "storage/storage_error.h"

namespace dact::storage {

std::map<std::string, torch::Tensor> read_npz(const std::string& path) {
  const ZipArchive archive(path);
  std::map<std::string, torch::Tensor> arrays;
  for (const std::string& entry : archive.file_names()) {
    const size_t suffix = entry.size() >= 4 ? entry.size() - 4 : 0;
    if (entry.size() < 5 || entry.compare(suffix, 4, ".npy") != 0) continue;
    arrays[entry.substr(0, suffix)] = decode_npy(archive.read(entry), path + ":" + entry);
  }
  if (arrays.empty()) throw StorageError(path, "holds no .npy arrays");
  return arrays;
}

void write_npz(const std::string& path, const std::map<std::string, torch::Tensor>& arrays) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  std::filesystem::remove(temp);
  int error_code = 0;
  zip_t* archive = zip_open(temp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error_code);
  if (archive == nullptr) throw StorageError(temp, "cannot create a ZIP archive (libzip error " + std::to_string(error_code) + ")");
  std::vector<std::string> entries;  // libzip reads the buffers at zip_close
  entries.reserve(arrays.size());
  for (const auto& [name, tensor] : arrays) {
    entries.push_back(encode_npy(tensor));
    zip_source_t* source = zip_source_buffer(archive, entries.back().data(), entries.back().size(), 0);
    const zip_int64_t index =
        source == nullptr ? -1 : zip_file_add(archive, (name + ".npy").c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0 || zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) != 0) {
      const std::string message = zip_strerror(archive);
      if (source != nullptr && index < 0) zip_source_free(source);
      zip_discard(archive);
      throw StorageError(temp, "cannot add " + name + ".npy: " + message);
    }
  }
  if (zip_close(archive) != 0) {
    const std::string message = zip_strerror(archive);
    zip_discard(archive);
    std::filesystem::remove(temp);
    throw StorageError(temp, "cannot write: " + message);
  }
  fsync_path(temp);
  std::error_code renamed;
  std::filesystem::rename(temp, path, renamed);
  if (renamed) throw StorageError(path, "cannot rename " + temp + " onto it: " + renamed.message());
  fsync_path(std::filesystem::path(path).parent_path().empty() ? "." : std::filesystem::path(path).parent_path().string());
}

}  // namespace dact::storage
