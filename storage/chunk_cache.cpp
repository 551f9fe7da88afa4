#include "storage/chunk_cache.h"

namespace dact::storage {

ChunkCache::ChunkCache(int64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

ChunkCache::Bytes ChunkCache::find(int64_t shard, int64_t chunk) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = index_.find({shard, chunk});
  if (found == index_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, found->second);
  return found->second->second;
}

void ChunkCache::insert(int64_t shard, int64_t chunk, Bytes bytes) {
  const auto chunk_bytes = static_cast<int64_t>(bytes->size());
  if (chunk_bytes > capacity_bytes_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  const Key key{shard, chunk};
  const auto found = index_.find(key);
  if (found != index_.end()) {
    size_bytes_ -= static_cast<int64_t>(found->second->second->size());
    entries_.erase(found->second);
    index_.erase(found);
  }
  entries_.emplace_front(key, std::move(bytes));
  index_.emplace(key, entries_.begin());
  size_bytes_ += chunk_bytes;
  while (size_bytes_ > capacity_bytes_) {
    size_bytes_ -= static_cast<int64_t>(entries_.back().second->size());
    index_.erase(entries_.back().first);
    entries_.pop_back();
  }
}

int64_t ChunkCache::size_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return size_bytes_;
}

}  // namespace dact::storage
