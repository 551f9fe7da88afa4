#pragma once
// xxHash64 of bytes, as 16 lowercase hex digits (how manifests and files store it).
#include <cstddef>
#include <cstdint>
#include <string>

namespace dact::storage {

uint64_t xxh64_of(const void* data, size_t size_bytes, uint64_t seed = 0);
std::string xxh64_hex(const void* data, size_t size_bytes);
// Hash of a whole file, streamed; throws StorageError if it cannot be read.
std::string xxh64_hex_of_file(const std::string& path);

}  // namespace dact::storage
