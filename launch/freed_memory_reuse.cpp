#include "launch/freed_memory_reuse.h"

#include <malloc.h>

#include <stdexcept>
#include <string>
#include <tuple>

namespace dact::launch {

void keep_freed_memory_for_reuse() {
  // 32 MiB is glibc's cap on 64-bit; setting it also stops the dynamic threshold.
  constexpr int kMmapThreshold = 32 << 20;
  constexpr int kNeverTrim = 0x7fffffff;
  constexpr int kTopPad = 64 << 20;  // grow the heap in large steps: fewer brk calls
  for (const auto& [parameter, value, name] : {std::tuple{M_MMAP_THRESHOLD, kMmapThreshold, "M_MMAP_THRESHOLD"},
                                               std::tuple{M_TRIM_THRESHOLD, kNeverTrim, "M_TRIM_THRESHOLD"},
                                               std::tuple{M_TOP_PAD, kTopPad, "M_TOP_PAD"}}) {
    if (mallopt(parameter, value) != 1) {
      throw std::runtime_error(std::string("mallopt(") + name + ", " + std::to_string(value) + ") failed");
    }
  }
}

}  // namespace dact::launch
