#pragma once
// Never write a partial file in place: content goes to a temporary name beside the
// target, is fsync'd, renamed over the target, and the directory is fsync'd, so a
// reader (or a restart after a crash) sees either the old file or the complete new one.
#include <string>
#include <string_view>

namespace dact::storage {

class AtomicFile {
 public:
  // Nothing is created yet; write the content to temp_path() with any API.
  explicit AtomicFile(std::string path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  // Removes the temporary file unless commit() succeeded.
  ~AtomicFile();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

  // fsync temp_path(), rename it to path(), fsync the directory. Throws StorageError
  // naming path() on any failure; the old file at path() is then left untouched.
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  bool committed_ = false;
};

// Atomically replaces `path` with `bytes`. A failed write is a StorageError naming
// `path` and the system's reason ("No space left on device"); `path` is left as it was.
void write_file_atomically(const std::string& path, std::string_view bytes);

// Writes all of `bytes` to `fd` (of the file `path`), retrying short writes; throws
// StorageError naming `path` and the system's reason.
void write_fully(int fd, std::string_view bytes, const std::string& path);

// fsync of an existing file or directory; throws StorageError naming it.
void fsync_path(const std::string& path);

}  // namespace dact::storage
