#include "storage/idx_file.h"

#include <zlib.h>

#include <array>
#include <memory>

#include "storage/storage_error.h"

namespace dact::storage {
namespace {

constexpr unsigned char kUnsignedByteType = 0x08;

using GzFile = std::unique_ptr<gzFile_s, decltype(&gzclose)>;

void read_exactly(gzFile file, void* destination, size_t size_bytes, const std::string& path,
                  const std::string& what) {
  auto* bytes = static_cast<unsigned char*>(destination);
  while (size_bytes > 0) {
    // gzread takes an unsigned count; read in pieces below 2^30.
    const unsigned piece = static_cast<unsigned>(std::min<size_t>(size_bytes, 1u << 30));
    const int got = gzread(file, bytes, piece);
    if (got <= 0) {
      int error = Z_OK;
      const char* message = gzerror(file, &error);
      throw StorageError(path, "truncated or corrupt while reading " + what +
                                   (error != Z_OK ? std::string(" (") + message + ")" : ""));
    }
    bytes += got;
    size_bytes -= static_cast<size_t>(got);
  }
}

}  // namespace

torch::Tensor read_idx_file(const std::string& path) {
  GzFile file(gzopen(path.c_str(), "rb"), &gzclose);
  if (!file) throw StorageError(path, "cannot open IDX file");
  std::array<unsigned char, 4> magic{};
  read_exactly(file.get(), magic.data(), magic.size(), path, "the header");
  if (magic[0] != 0 || magic[1] != 0 || magic[3] == 0) {
    throw StorageError(path, "not an IDX file (bad magic number)");
  }
  if (magic[2] != kUnsignedByteType) {
    throw StorageError(path, "IDX type code " + std::to_string(magic[2]) +
                                 " is not supported (expected 8, unsigned byte)");
  }
  std::vector<int64_t> dims(magic[3]);
  int64_t element_count = 1;
  for (int64_t& dim : dims) {
    std::array<unsigned char, 4> be{};
    read_exactly(file.get(), be.data(), be.size(), path, "the dimensions");
    dim = (int64_t{be[0]} << 24) | (int64_t{be[1]} << 16) | (int64_t{be[2]} << 8) | be[3];
    element_count *= dim;
  }
  torch::Tensor data = torch::empty(dims, torch::kUInt8);
  read_exactly(file.get(), data.data_ptr(), static_cast<size_t>(element_count), path, "the data");
  unsigned char extra = 0;
  if (gzread(file.get(), &extra, 1) != 0) {
    throw StorageError(path, "has bytes after the data its header announces");
  }
  return data;
}

}  // namespace dact::storage
