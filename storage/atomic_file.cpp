#include "storage/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "storage/fault_injection.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace {

std::string errno_text() { return std::strerror(errno); }

std::string parent_directory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

}  // namespace

void fsync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw StorageError(path, "cannot open for fsync: " + errno_text());
  const int result = ::fsync(fd);
  const std::string error = result == 0 ? "" : errno_text();
  ::close(fd);
  if (result != 0) throw StorageError(path, "fsync failed: " + error);
}

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)),
      temp_path_(path_ + ".tmp-" + std::to_string(::getpid())) {}

AtomicFile::~AtomicFile() {
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicFile::commit() {
  maybe_inject_write_fault(path_);
  fsync_path(temp_path_);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw StorageError(path_, "cannot rename " + temp_path_ + " into place: " + errno_text());
  }
  committed_ = true;
  fsync_path(parent_directory(path_));
}

void write_fully(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) throw StorageError(path, "write failed: " + (written < 0 ? errno_text() : "no progress"));
    bytes.remove_prefix(static_cast<size_t>(written));
  }
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  AtomicFile file(path);
  const int fd = ::open(file.temp_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw StorageError(path, "cannot create " + file.temp_path() + ": " + errno_text());
  try {
    write_fully(fd, bytes, file.temp_path());
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) throw StorageError(path, "cannot write " + file.temp_path() + ": " + errno_text());
  file.commit();
}

}  // namespace dact::storage
