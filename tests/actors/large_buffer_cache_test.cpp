#include "actors/large_buffer_cache.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "actors/bytes.h"

namespace dact::actors {
namespace {

constexpr size_t kHugePageBytes = size_t{2} << 20;

// Every test starts from an empty cache with the default limit, and leaves it so.
class LargeBufferCache : public ::testing::Test {
 protected:
  void SetUp() override { reset(); }
  void TearDown() override { reset(); }
  static void reset() {
    set_large_buffer_cache_limit_bytes(0);
    set_large_buffer_cache_limit_bytes(kDefaultLargeBufferCacheLimitBytes);
  }
};

TEST_F(LargeBufferCache, ReusesAReleasedBufferOfTheSameSize) {
  const size_t bytes = 3 * kLargeBufferBytes + 17;
  void* first = allocate_large_buffer(bytes);
  release_large_buffer(first, bytes);
  void* other_size = allocate_large_buffer(bytes + 1);  // no match: a new buffer
  EXPECT_NE(other_size, first);
  void* second = allocate_large_buffer(bytes);
  EXPECT_EQ(second, first);
  EXPECT_EQ(large_buffer_cache_bytes(), 0u);
  release_large_buffer(second, bytes);
  release_large_buffer(other_size, bytes + 1);
  EXPECT_EQ(large_buffer_cache_bytes(), 2 * bytes + 1);
}

TEST_F(LargeBufferCache, PayloadBuffersComeBackThroughBytes) {
  const size_t bytes = 5 * kLargeBufferBytes;
  const std::byte* first_data = nullptr;
  {
    Bytes payload(bytes);
    first_data = payload.data();
  }
  Bytes again(bytes);
  EXPECT_EQ(again.data(), first_data);
}

TEST_F(LargeBufferCache, SmallPayloadsBypassTheCache) {
  { Bytes payload(kLargeBufferBytes - 1); }
  EXPECT_EQ(large_buffer_cache_bytes(), 0u);
}

TEST_F(LargeBufferCache, KeepsAtMostItsLimitAndFreesTheRest) {
  const size_t bytes = 8 * kLargeBufferBytes + 3;
  const size_t limit = 10 * bytes + bytes / 2;
  set_large_buffer_cache_limit_bytes(limit);
  std::vector<void*> buffers;
  for (int i = 0; i < 14; ++i) buffers.push_back(allocate_large_buffer(bytes));
  for (void* buffer : buffers) release_large_buffer(buffer, bytes);
  EXPECT_EQ(large_buffer_cache_bytes(), 10 * bytes);  // floor(limit / bytes) buffers
  // The ten kept are the ten released last.
  for (int i = 13; i >= 4; --i) EXPECT_EQ(allocate_large_buffer(bytes), buffers[i]) << i;
  EXPECT_EQ(large_buffer_cache_bytes(), 0u);
  for (int i = 4; i < 14; ++i) release_large_buffer(buffers[i], bytes);
}

TEST_F(LargeBufferCache, ANewSizeEvictsTheBuffersReleasedLongestAgo) {
  const size_t a = 4 * kLargeBufferBytes, b = 5 * kLargeBufferBytes, c = 6 * kLargeBufferBytes;
  set_large_buffer_cache_limit_bytes(a + b + c);
  void* buffer_a = allocate_large_buffer(a);
  void* buffer_b = allocate_large_buffer(b);
  void* buffer_c = allocate_large_buffer(c);
  release_large_buffer(buffer_a, a);
  release_large_buffer(buffer_b, b);
  release_large_buffer(buffer_c, c);
  EXPECT_EQ(large_buffer_cache_bytes(), a + b + c);
  // A fourth size must fit: a (oldest) alone is not enough room, so a and b go.
  const size_t d = a + b / 2;
  void* buffer_d = allocate_large_buffer(d);
  release_large_buffer(buffer_d, d);
  EXPECT_EQ(large_buffer_cache_bytes(), c + d);
  EXPECT_EQ(allocate_large_buffer(c), buffer_c);
  EXPECT_EQ(allocate_large_buffer(d), buffer_d);
  release_large_buffer(buffer_c, c);
  release_large_buffer(buffer_d, d);
}

TEST_F(LargeBufferCache, ABufferLargerThanTheLimitIsFreedNotCached) {
  set_large_buffer_cache_limit_bytes(4 * kLargeBufferBytes);
  void* kept = allocate_large_buffer(2 * kLargeBufferBytes);
  release_large_buffer(kept, 2 * kLargeBufferBytes);
  void* too_big = allocate_large_buffer(5 * kLargeBufferBytes);
  release_large_buffer(too_big, 5 * kLargeBufferBytes);
  EXPECT_EQ(large_buffer_cache_bytes(), 2 * kLargeBufferBytes);  // the small one survives
}

TEST_F(LargeBufferCache, LoweringTheLimitFreesTheOldestAtOnce) {
  const size_t bytes = 2 * kLargeBufferBytes;
  void* first = allocate_large_buffer(bytes);
  void* second = allocate_large_buffer(bytes);
  release_large_buffer(first, bytes);
  release_large_buffer(second, bytes);
  set_large_buffer_cache_limit_bytes(bytes);
  EXPECT_EQ(large_buffer_cache_limit_bytes(), bytes);
  EXPECT_EQ(large_buffer_cache_bytes(), bytes);
  EXPECT_EQ(allocate_large_buffer(bytes), second);
  release_large_buffer(second, bytes);
}

// The limit bounds memory, so huge-page buffers count with their whole last page.
TEST_F(LargeBufferCache, HugePageBuffersCountInWholeHugePages) {
  const size_t bytes = kHugePageBytes + 1;
  void* buffer = allocate_large_buffer(bytes);
  release_large_buffer(buffer, bytes);
  EXPECT_EQ(large_buffer_cache_bytes(), 2 * kHugePageBytes);
}

// Buffers of >= 2 MiB are mapped on huge-page boundaries (a huge page can only back an
// aligned 2 MiB range); every byte, up to the odd end, is writable and keeps its value.
TEST_F(LargeBufferCache, HugePageBuffersAreAlignedAndWholeUpToTheirLastByte) {
  for (size_t bytes : {kHugePageBytes, 3 * kHugePageBytes + 4097}) {
    Bytes payload(bytes);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(payload.data()) % kHugePageBytes, 0u) << bytes;
    for (size_t i = 0; i < bytes; ++i) payload[i] = std::byte(i % 251);
    size_t wrong = 0;
    for (size_t i = 0; i < bytes; ++i) wrong += payload[i] != std::byte(i % 251);
    EXPECT_EQ(wrong, 0u) << bytes;
  }
}

}  // namespace
}  // namespace dact::actors
