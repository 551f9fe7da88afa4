// ShardDataset / ShardPrefetcher / ChunkCache: reads return exactly what was
// written, for any order, cache size and read path.
#include "storage/shard_dataset.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "storage/chunk_cache.h"
#include "storage/shard_prefetcher.h"
#include "storage/shard_writer.h"
#include "storage/storage_error.h"
#include "tests/storage/shard_test_files.h"

namespace dact::storage {
namespace {

using testing::TempDir;

struct WrittenDataset {
  torch::Tensor samples;
  torch::Tensor labels;
};

// 1000 samples [3, 4, 4] in shards of 300 (the last one 100) and chunks of 10.
WrittenDataset write_dataset(const std::string& dir, torch::Dtype dtype) {
  torch::manual_seed(11);
  WrittenDataset written;
  written.samples = dtype == torch::kUInt8
                        ? torch::randint(0, 256, {1000, 3, 4, 4}).to(torch::kUInt8)
                        : torch::randn({1000, 3, 4, 4}).to(dtype);
  written.labels = torch::randint(0, 5, {1000}, torch::kInt64);
  ShardWriterOptions options;
  options.sample_key = dtype == torch::kUInt8 ? "images" : "latents";
  options.dtype = dtype;
  options.sample_shape = {3, 4, 4};
  options.resolution = 4;
  options.class_names = {"a", "b", "c", "d", "e"};
  options.shard_size = 300;
  options.chunk_target_bytes = 10 * 48 * torch::elementSize(dtype);
  ShardWriter writer(dir, options);
  // Uneven pieces, so shards are cut across add() calls.
  writer.add(written.samples.slice(0, 0, 123), written.labels.slice(0, 0, 123));
  writer.add(written.samples.slice(0, 123, 777), written.labels.slice(0, 123, 777));
  writer.add(written.samples.slice(0, 777), written.labels.slice(0, 777));
  const ShardManifest manifest = writer.finish();
  EXPECT_EQ(manifest.shards.size(), 4u);
  EXPECT_EQ(manifest.chunk_samples, 10);
  return written;
}

std::vector<int64_t> shuffled_order(int64_t size, uint64_t seed) {
  torch::manual_seed(seed);
  const torch::Tensor permutation = torch::randperm(size, torch::kInt64);
  return {permutation.data_ptr<int64_t>(), permutation.data_ptr<int64_t>() + size};
}

void expect_batch_is(const SampleBatch& batch, const WrittenDataset& written,
                     const std::vector<int64_t>& indices) {
  const torch::Tensor index = torch::tensor(indices, torch::kInt64);
  EXPECT_TRUE(torch::equal(batch.samples, written.samples.index_select(0, index)));
  EXPECT_TRUE(torch::equal(batch.labels, written.labels.index_select(0, index)));
}

struct ReadPath {
  const char* name;
  ShardDatasetOptions options;
};

// The dataset (1000 x 48 bytes) just fits in the cache: whole chunks, cached; one
// byte less: every run of adjacent samples is its own pread.
const ReadPath kReadPaths[] = {
    {"cached", {1000 * 48}},
    {"uncached", {1000 * 48 - 1}},
};

TEST(ShardDataset, ShuffledBatchesReturnTheWrittenSamplesOnEveryReadPath) {
  TempDir temp;
  const WrittenDataset written = write_dataset(temp / "ds", torch::kUInt8);
  const std::vector<int64_t> order = shuffled_order(1000, 5);
  for (const ReadPath& path : kReadPaths) {
    SCOPED_TRACE(path.name);
    const ShardDataset dataset(temp / "ds", path.options);
    ASSERT_EQ(dataset.size(), 1000);
    for (size_t start = 0; start < order.size(); start += 64) {
      const std::vector<int64_t> indices(order.begin() + start,
                                         order.begin() + std::min(order.size(), start + 64));
      expect_batch_is(dataset.read(indices), written, indices);
    }
  }
  const ShardDataset cached(temp / "ds", kReadPaths[0].options);
  cached.read(order);
  EXPECT_EQ(cached.cache().size_bytes(), 1000 * 48);  // every chunk, once
  const ShardDataset uncached(temp / "ds", kReadPaths[1].options);
  uncached.read(order);
  EXPECT_EQ(uncached.cache().size_bytes(), 0);
}

TEST(ShardDataset, SequentialRunsAndRepeatsAcrossShardBoundaries) {
  TempDir temp;
  const WrittenDataset written = write_dataset(temp / "ds", torch::kUInt8);
  std::vector<int64_t> indices;
  for (int64_t i = 290; i < 315; ++i) indices.push_back(i);  // crosses shard 0 -> 1
  indices.push_back(999);
  indices.push_back(291);
  indices.push_back(291);
  for (const ReadPath& path : kReadPaths) {
    SCOPED_TRACE(path.name);
    expect_batch_is(ShardDataset(temp / "ds", path.options).read(indices), written, indices);
  }
}

TEST(ShardDataset, Float16LatentsRoundTrip) {
  TempDir temp;
  const WrittenDataset written = write_dataset(temp / "ds", torch::kFloat16);
  const ShardDataset dataset(temp / "ds");
  EXPECT_EQ(dataset.manifest().sample_key, "latents");
  EXPECT_EQ(dataset.manifest().dtype, "float16");
  const std::vector<int64_t> order = shuffled_order(1000, 9);
  expect_batch_is(dataset.read(order), written, order);
  EXPECT_TRUE(torch::equal(dataset.labels(), written.labels));
}

TEST(ShardDataset, IndexOutsideTheDatasetIsRefused) {
  TempDir temp;
  write_dataset(temp / "ds", torch::kUInt8);
  const ShardDataset dataset(temp / "ds");
  EXPECT_THROW(dataset.read({0, 1000}), std::out_of_range);
  EXPECT_THROW(dataset.read({-1}), std::out_of_range);
}

TEST(ShardPrefetcher, GivesTheSameBatchesAsDirectReads) {
  TempDir temp;
  const WrittenDataset written = write_dataset(temp / "ds", torch::kUInt8);
  const ShardDataset dataset(temp / "ds", {0});
  const std::vector<int64_t> order = shuffled_order(1000, 21);
  ShardPrefetcher prefetcher(dataset, order, 64, 3, 2);
  EXPECT_EQ(prefetcher.batch_count(), 16);  // 15 x 64 + 40
  int64_t start = 0;
  while (std::optional<SampleBatch> batch = prefetcher.next()) {
    const std::vector<int64_t> indices(order.begin() + start,
                                       order.begin() + std::min<int64_t>(1000, start + 64));
    expect_batch_is(*batch, written, indices);
    start += 64;
  }
  EXPECT_EQ(start, 16 * 64);
  EXPECT_FALSE(prefetcher.next().has_value());
}

TEST(ShardPrefetcher, StopsCleanlyWhenDroppedEarly) {
  TempDir temp;
  write_dataset(temp / "ds", torch::kUInt8);
  const ShardDataset dataset(temp / "ds");
  ShardPrefetcher prefetcher(dataset, shuffled_order(1000, 1), 10, 2, 3);
  EXPECT_TRUE(prefetcher.next().has_value());
}

TEST(ShardPrefetcher, AReadErrorIsRethrownByNext) {
  TempDir temp;
  write_dataset(temp / "ds", torch::kUInt8);
  const ShardDataset dataset(temp / "ds", {0});
  // Cut the last shard short after opening: its samples can no longer be read.
  ASSERT_EQ(::truncate((temp / "ds/shard-00003.h5").c_str(), 100), 0);
  ShardPrefetcher prefetcher(dataset, {0, 1, 950}, 2, 1, 1);
  EXPECT_TRUE(prefetcher.next().has_value());
  try {
    prefetcher.next();
    FAIL() << "expected a StorageError";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("shard-00003.h5"), std::string::npos) << e.what();
  }
}

TEST(ShardDatasetOpen, TruncatedShardIsRefused) {
  TempDir temp;
  write_dataset(temp / "ds", torch::kUInt8);
  ASSERT_EQ(::truncate((temp / "ds/shard-00001.h5").c_str(), 4000), 0);
  try {
    ShardDataset dataset(temp / "ds");
    FAIL() << "expected a StorageError";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("shard-00001.h5"), std::string::npos) << e.what();
  }
}

ChunkCache::Bytes bytes_of_size(size_t size) {
  return std::make_shared<const std::vector<uint8_t>>(size);
}

TEST(ChunkCache, EvictsTheLeastRecentlyUsedChunk) {
  ChunkCache cache(30);
  cache.insert(0, 0, bytes_of_size(10));
  cache.insert(0, 1, bytes_of_size(10));
  cache.insert(1, 0, bytes_of_size(10));
  EXPECT_NE(cache.find(0, 0), nullptr);  // now (0, 1) is the least recently used
  cache.insert(1, 1, bytes_of_size(10));
  EXPECT_EQ(cache.find(0, 1), nullptr);
  EXPECT_NE(cache.find(0, 0), nullptr);
  EXPECT_NE(cache.find(1, 0), nullptr);
  EXPECT_NE(cache.find(1, 1), nullptr);
  EXPECT_EQ(cache.size_bytes(), 30);
  cache.insert(2, 0, bytes_of_size(31));  // larger than the whole cache: not kept
  EXPECT_EQ(cache.find(2, 0), nullptr);
  EXPECT_EQ(cache.size_bytes(), 30);
}

}  // namespace
}  // namespace dact::storage
