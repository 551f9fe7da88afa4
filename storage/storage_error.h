#pragma once
// The error type of every on-disk format: the message names the file and the
// field (dataset, attribute, key) that is wrong, and what was expected.
#include <stdexcept>
#include <string>

namespace dact::storage {

class StorageError : public std::runtime_error {
 public:
  StorageError(const std::string& file, const std::string& what)
      : std::runtime_error(file + ": " + what), file_(file) {}
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

}  // namespace dact::storage
