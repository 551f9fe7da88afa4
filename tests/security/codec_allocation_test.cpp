// A list count in a payload is checked against the bytes left before anything is
// reserved: this binary's operator new records the largest allocation made while a
// decode runs, so a count that would reserve 32 bytes per claimed string is caught.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "actors/actor_errors.h"
#include "actors/byte_codec.h"

namespace {

std::atomic<bool> tracking{false};
std::atomic<size_t> largest_allocation_bytes{0};

}  // namespace

void* operator new(size_t size_bytes) {
  if (tracking.load(std::memory_order_relaxed)) {
    size_t seen = largest_allocation_bytes.load();
    while (size_bytes > seen && !largest_allocation_bytes.compare_exchange_weak(seen, size_bytes)) {
    }
  }
  if (void* memory = std::malloc(size_bytes == 0 ? 1 : size_bytes)) return memory;
  throw std::bad_alloc();
}

// These are the replacement pair of the operator new above (malloc inside, free here);
// GCC's -Wmismatched-new-delete cannot see that once it inlines them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, size_t) noexcept { std::free(memory); }
#pragma GCC diagnostic pop

namespace dact::actors {
namespace {

TEST(ByteCodecAllocation, AHugeStringListCountIsRefusedBeforeReserving) {
  // 1 MiB of payload claiming as many strings as it has bytes (each needs at least 8).
  constexpr size_t kPayloadBytes = 1 << 20;
  ByteWriter writer;
  writer.u64(kPayloadBytes);
  for (size_t i = 0; i < kPayloadBytes / sizeof(uint64_t); ++i) writer.u64(0);
  const Bytes payload = writer.take();

  largest_allocation_bytes = 0;
  tracking = true;
  bool refused = false;
  try {
    ByteReader(payload).string_list();
  } catch (const DecodeError&) {
    refused = true;
  }
  tracking = false;
  EXPECT_TRUE(refused);
  EXPECT_LT(largest_allocation_bytes.load(), kPayloadBytes) << "decoding allocated more than the payload holds";
}

TEST(ByteCodecAllocation, AListThatFitsStillDecodes) {
  ByteWriter writer;
  writer.string_list({"a", "", "evaluate"});
  const Bytes payload = writer.take();
  EXPECT_EQ(ByteReader(payload).string_list(), (std::vector<std::string>{"a", "", "evaluate"}));
}

}  // namespace
}  // namespace dact::actors
