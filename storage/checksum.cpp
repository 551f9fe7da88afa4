#include "storage/checksum.h"

#include <xxhash.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

#include "storage/storage_error.h"

namespace dact::storage {
namespace {

std::string to_hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

uint64_t xxh64_of(const void* data, size_t size_bytes, uint64_t seed) {
  return XXH64(data, size_bytes, seed);
}

std::string xxh64_hex(const void* data, size_t size_bytes) {
  return to_hex(xxh64_of(data, size_bytes));
}

std::string xxh64_hex_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StorageError(path, "cannot open for checksum");
  std::unique_ptr<XXH64_state_t, decltype(&XXH64_freeState)> state(XXH64_createState(),
                                                                   &XXH64_freeState);
  XXH64_reset(state.get(), 0);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    XXH64_update(state.get(), buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw StorageError(path, "read error while computing checksum");
  return to_hex(XXH64_digest(state.get()));
}

}  // namespace dact::storage
