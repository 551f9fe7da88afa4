#include "actors/large_buffer_cache.h"

#include <gtest/gtest.h>

#include <vector>

#include "actors/bytes.h"

namespace dact::actors {
namespace {

TEST(LargeBufferCache, ReusesAReleasedBufferOfTheSameSize) {
  const size_t bytes = 3 * kLargeBufferBytes + 17;
  void* first = allocate_large_buffer(bytes);
  release_large_buffer(first, bytes);
  void* other_size = allocate_large_buffer(bytes + 1);  // no match: a new buffer
  EXPECT_NE(other_size, first);
  void* second = allocate_large_buffer(bytes);
  EXPECT_EQ(second, first);
  release_large_buffer(second, bytes);
  release_large_buffer(other_size, bytes + 1);
}

TEST(LargeBufferCache, PayloadBuffersComeBackThroughBytes) {
  const size_t bytes = 5 * kLargeBufferBytes;
  const std::byte* first_data = nullptr;
  {
    Bytes payload(bytes);
    first_data = payload.data();
  }
  Bytes again(bytes);
  EXPECT_EQ(again.data(), first_data);
}

TEST(LargeBufferCache, KeepsAtMostItsLimitAndFreesTheRest) {
  const size_t bytes = 8 * kLargeBufferBytes + 3;  // a size no other test uses
  const size_t cached_before = large_buffer_cache_bytes();
  std::vector<void*> buffers;
  for (size_t i = 0; i < kLargeBufferCacheLimitBytes / bytes + 8; ++i) buffers.push_back(allocate_large_buffer(bytes));
  for (void* buffer : buffers) release_large_buffer(buffer, bytes);
  EXPECT_LE(large_buffer_cache_bytes(), kLargeBufferCacheLimitBytes);
  EXPECT_GT(large_buffer_cache_bytes() + bytes, kLargeBufferCacheLimitBytes);  // filled up to it
  EXPECT_GT(large_buffer_cache_bytes(), cached_before);
}

}  // namespace
}  // namespace dact::actors
