#pragma once
// Freed large payload buffers, kept for the next buffer of the same size. Messages of a
// run repeat their sizes (the same weights every EMA hand-off, the same batch shape), and
// a fresh multi-MiB allocation is an mmap whose every 4 KiB page faults on first touch:
// for a 64 MiB receive that costs as much as moving the bytes. Thread-safe.
#include <cstddef>

namespace dact::actors {

// Buffers of at least this many bytes go through the cache; smaller ones are cheap.
constexpr size_t kLargeBufferBytes = size_t{1} << 20;
constexpr size_t kLargeBufferCacheLimitBytes = size_t{256} << 20;

// A buffer of exactly `bytes`, reused if one of that size was released, else new.
void* allocate_large_buffer(size_t bytes);
// Keeps the buffer for reuse while the cache stays within its limit, else frees it.
void release_large_buffer(void* buffer, size_t bytes);
// Bytes held for reuse right now.
size_t large_buffer_cache_bytes();

}  // namespace dact::actors
