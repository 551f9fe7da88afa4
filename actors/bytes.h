// Byte buffers for message payloads.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace dact::actors {

// An allocator that leaves new elements uninitialised, so a payload buffer about to be
// overwritten by a receive (tens of MiB) is not zero-filled first.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
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
