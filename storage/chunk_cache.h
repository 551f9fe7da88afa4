#pragma once
// A least-recently-used cache of shard chunk bytes, bounded by total size.
// Thread-safe: every member may be called from several threads. Cached chunks are
// shared and immutable, so a chunk evicted while a reader still copies from it
// stays alive until that reader drops its pointer.
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace dact::storage {

class ChunkCache {
 public:
  using Bytes = std::shared_ptr<const std::vector<uint8_t>>;

  explicit ChunkCache(int64_t capacity_bytes);

  // The cached bytes of (shard, chunk), now most recently used; nullptr if absent.
  Bytes find(int64_t shard, int64_t chunk);
  // Adds (or replaces) a chunk, then evicts least recently used chunks until the
  // total is within capacity. A chunk larger than the capacity is not kept.
  void insert(int64_t shard, int64_t chunk, Bytes bytes);

  int64_t capacity_bytes() const { return capacity_bytes_; }
  int64_t size_bytes() const;

 private:
  using Key = std::pair<int64_t, int64_t>;
  struct KeyHash {
    size_t operator()(const Key& key) const {
      return std::hash<int64_t>()(key.first * 1000003 + key.second);
    }
  };
  using Entry = std::pair<Key, Bytes>;

  const int64_t capacity_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index_;
  int64_t size_bytes_ = 0;
};

}  // namespace dact::storage
