#include "actors/large_buffer_cache.h"

#include <sys/mman.h>

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

namespace dact::actors {
namespace {

constexpr size_t kHugePageBytes = size_t{2} << 20;

size_t round_up(size_t value, size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// Maps `bytes` (rounded up to whole huge pages) on a huge-page boundary: the kernel can
// only back an aligned 2 MiB range with a huge page.
void* map_huge_page_buffer(size_t bytes) {
  const size_t length = round_up(bytes, kHugePageBytes);
  void* region = mmap(nullptr, length + kHugePageBytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) throw std::bad_alloc();
  const auto region_start = reinterpret_cast<uintptr_t>(region);
  const uintptr_t start = round_up(region_start, kHugePageBytes);
  const size_t head = start - region_start;
  if (head > 0) munmap(region, head);
  if (head < kHugePageBytes) munmap(reinterpret_cast<void*>(start + length), kHugePageBytes - head);
  // Only a hint: where transparent huge pages are off the buffer still works, page by page.
  madvise(reinterpret_cast<void*>(start), length, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(start);
}

// What a buffer of `bytes` really holds: huge-page buffers are mapped in whole 2 MiB pages.
size_t footprint_bytes(size_t bytes) {
  return bytes >= kHugePageBytes ? round_up(bytes, kHugePageBytes) : bytes;
}

void* new_buffer(size_t bytes) {
  return bytes >= kHugePageBytes ? map_huge_page_buffer(bytes) : ::operator new(bytes);
}

void free_buffer(void* buffer, size_t bytes) {
  if (bytes >= kHugePageBytes) {
    munmap(buffer, round_up(bytes, kHugePageBytes));
  } else {
    ::operator delete(buffer);
  }
}

struct CachedBuffer {
  size_t bytes;
  void* buffer;
};

struct Cache {
  std::mutex mutex;
  std::list<CachedBuffer> by_age;  // front: released longest ago
  std::multimap<size_t, std::list<CachedBuffer>::iterator> by_size;
  size_t cached_bytes = 0;
  size_t limit_bytes = kDefaultLargeBufferCacheLimitBytes;

  void forget(std::multimap<size_t, std::list<CachedBuffer>::iterator>::iterator entry) {
    cached_bytes -= footprint_bytes(entry->first);
    by_age.erase(entry->second);
    by_size.erase(entry);
  }
  // Takes the oldest buffers out until `incoming` more bytes fit; the caller frees them
  // after unlocking.
  std::vector<CachedBuffer> evict_for(size_t incoming) {
    std::vector<CachedBuffer> evicted;
    while (!by_age.empty() && cached_bytes + incoming > limit_bytes) {
      const CachedBuffer oldest = by_age.front();
      auto range = by_size.equal_range(oldest.bytes);
      for (auto it = range.first; it != range.second; ++it) {
        if (it->second == by_age.begin()) {
          forget(it);
          break;
        }
      }
      evicted.push_back(oldest);
    }
    return evicted;
  }
};

Cache& cache() {
  static Cache* instance = new Cache;  // never destroyed: buffers may be freed during exit
  return *instance;
}

void free_all(const std::vector<CachedBuffer>& buffers) {
  for (const CachedBuffer& b : buffers) free_buffer(b.buffer, b.bytes);
}

}  // namespace

void* allocate_large_buffer(size_t bytes) {
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    auto [first, last] = c.by_size.equal_range(bytes);
    if (first != last) {
      auto newest = std::prev(last);  // released last: likeliest still in the CPU caches
      void* buffer = newest->second->buffer;
      c.forget(newest);
      return buffer;
    }
  }
  return new_buffer(bytes);
}

void release_large_buffer(void* buffer, size_t bytes) {
  Cache& c = cache();
  std::vector<CachedBuffer> evicted;
  {
    std::lock_guard lock(c.mutex);
    const size_t footprint = footprint_bytes(bytes);
    if (footprint <= c.limit_bytes) {
      evicted = c.evict_for(footprint);
      c.by_age.push_back({bytes, buffer});
      c.by_size.emplace(bytes, std::prev(c.by_age.end()));
      c.cached_bytes += footprint;
      buffer = nullptr;
    }
  }
  free_all(evicted);
  if (buffer != nullptr) free_buffer(buffer, bytes);
}

size_t large_buffer_cache_bytes() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  return c.cached_bytes;
}

size_t large_buffer_cache_limit_bytes() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  return c.limit_bytes;
}

void set_large_buffer_cache_limit_bytes(size_t limit_bytes) {
  Cache& c = cache();
  std::vector<CachedBuffer> evicted;
  {
    std::lock_guard lock(c.mutex);
    c.limit_bytes = limit_bytes;
    evicted = c.evict_for(0);
  }
  free_all(evicted);
}

}  // namespace dact::actors
