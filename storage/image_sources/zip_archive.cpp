#include "storage/image_sources/zip_archive.h"

#include <zip.h>

#include "storage/storage_error.h"

namespace dact::storage {
namespace {

std::string zip_open_error_message(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string message = zip_error_strerror(&error);
  zip_error_fini(&error);
  return message;
}

// Closes an entry however ZipArchive::read leaves.
struct ZipEntryCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

}  // namespace

ZipArchive::ZipArchive(std::string path) : path_(std::move(path)) {
  int error_code = 0;
  archive_ = zip_open(path_.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error_code);
  if (archive_ == nullptr) {
    throw StorageError(path_, "cannot open as a ZIP archive: " + zip_open_error_message(error_code));
  }
  const zip_int64_t count = zip_get_num_entries(archive_, 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* name = zip_get_name(archive_, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_GUESS);
    if (name == nullptr) {
      const std::string message = zip_strerror(archive_);
      zip_discard(archive_);
      throw StorageError(path_, "cannot read entry " + std::to_string(i) + ": " + message);
    }
    std::string entry(name);
    if (entry.empty() || entry.back() == '/') continue;  // a directory
    index_.emplace(entry, static_cast<unsigned long long>(i));
    file_names_.push_back(std::move(entry));
  }
}

ZipArchive::~ZipArchive() { zip_discard(archive_); }  // read-only: nothing to write back

std::string ZipArchive::read(const std::string& name) const {
  const std::string entry_name = path_ + ":" + name;
  const auto found = index_.find(name);
  if (found == index_.end()) throw StorageError(entry_name, "no such entry in the archive");
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive_, found->second, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE)) {
    throw StorageError(entry_name, std::string("cannot stat: ") + zip_strerror(archive_));
  }
  std::unique_ptr<zip_file_t, ZipEntryCloser> file(zip_fopen_index(archive_, found->second, 0));
  if (!file) throw StorageError(entry_name, std::string("cannot open: ") + zip_strerror(archive_));
  std::string bytes(static_cast<size_t>(stat.size), '\0');
  zip_uint64_t done = 0;
  // Read to the end, one byte past the stated size: libzip checks the CRC at the end.
  char past_end = 0;
  while (true) {
    const zip_int64_t got = done < stat.size
                                ? zip_fread(file.get(), bytes.data() + done, stat.size - done)
                                : zip_fread(file.get(), &past_end, 1);
    if (got < 0) {
      throw StorageError(entry_name, std::string("cannot read: ") + zip_file_strerror(file.get()));
    }
    if (got == 0) break;
    if (done >= stat.size) throw StorageError(entry_name, "longer than its stated size");
    done += static_cast<zip_uint64_t>(got);
  }
  if (done != stat.size) throw StorageError(entry_name, "shorter than its stated size");
  return bytes;
}

}  // namespace dact::storage
