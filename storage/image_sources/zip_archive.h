#pragma once
// Reading whole entries of a ZIP archive with libzip. The archive is checked for
// consistency when opened (central directory against local headers) and each entry's
// CRC-32 as it is read, so a damaged archive fails rather than yielding wrong bytes.
// Not thread-safe: one reader per thread.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

struct zip;

namespace dact::storage {

class ZipArchive {
 public:
  // Not a readable ZIP (missing, truncated, corrupt): StorageError naming `path`.
  explicit ZipArchive(std::string path);
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  const std::string& path() const { return path_; }

  // The file entries (directory entries left out), in archive order.
  const std::vector<std::string>& file_names() const { return file_names_; }
  bool contains(const std::string& name) const { return index_.count(name) > 0; }

  // An entry's content. Absent or damaged: StorageError naming "ARCHIVE:NAME".
  std::string read(const std::string& name) const;

 private:
  std::string path_;
  zip* archive_ = nullptr;
  std::vector<std::string> file_names_;
  std::unordered_map<std::string, unsigned long long> index_;  // name -> libzip index
};

}  // namespace dact::storage
