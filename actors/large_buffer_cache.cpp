#include "actors/large_buffer_cache.h"

#include <map>
#include <mutex>
#include <new>

namespace dact::actors {
namespace {

struct Cache {
  std::mutex mutex;
  std::multimap<size_t, void*> free_buffers;  // size -> buffer
  size_t cached_bytes = 0;
};

Cache& cache() {
  static Cache* instance = new Cache;  // never destroyed: buffers may be freed during exit
  return *instance;
}

}  // namespace

void* allocate_large_buffer(size_t bytes) {
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    auto found = c.free_buffers.find(bytes);
    if (found != c.free_buffers.end()) {
      void* buffer = found->second;
      c.free_buffers.erase(found);
      c.cached_bytes -= bytes;
      return buffer;
    }
  }
  return ::operator new(bytes);
}

void release_large_buffer(void* buffer, size_t bytes) {
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    if (c.cached_bytes + bytes <= kLargeBufferCacheLimitBytes) {
      c.free_buffers.emplace(bytes, buffer);
      c.cached_bytes += bytes;
      return;
    }
  }
  ::operator delete(buffer);
}

size_t large_buffer_cache_bytes() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  return c.cached_bytes;
}

}  // namespace dact::actors
