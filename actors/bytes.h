// Byte buffers for message payloads.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "actors/large_buffer_cache.h"

namespace dact::actors {

// An allocator that leaves new elements uninitialised, so a payload buffer about to be
// overwritten by a receive (tens of MiB) is not zero-filled first, and takes large
// buffers from the large-buffer cache, so their pages are not faulted in again.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes >= kLargeBufferBytes) return static_cast<T*>(allocate_large_buffer(bytes));
    return std::allocator<T>::allocate(n);
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes >= kLargeBufferBytes) return release_large_buffer(p, bytes);
    std::allocator<T>::deallocate(p, n);
  }
  template <class U, class... Args>
  void construct(U* where, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      ::new (static_cast<void*>(where)) U;
    } else {
      ::new (static_cast<void*>(where)) U(std::forward<Args>(args)...);
    }
  }
};

// Owned message payload bytes. Moving a Bytes never copies the data.
using Bytes = std::vector<std::byte, DefaultInitAllocator<std::byte>>;

}  // namespace dact::actors
