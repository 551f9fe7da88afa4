#include "storage/shard_prefetcher.h"

#include <stdexcept>

namespace dact::storage {

ShardPrefetcher::ShardPrefetcher(const ShardDataset& dataset, std::vector<int64_t> order,
                                 int64_t batch_size, int thread_count, int64_t depth_batches)
    : dataset_(dataset),
      order_(std::move(order)),
      batch_size_(batch_size),
      batch_count_(
          batch_size > 0 ? (static_cast<int64_t>(order_.size()) + batch_size - 1) / batch_size : 0),
      depth_batches_(depth_batches) {
  if (batch_size <= 0 || thread_count <= 0 || depth_batches <= 0) {
    throw std::invalid_argument(
        "ShardPrefetcher: batch_size, thread_count and depth_batches "
        "must be > 0");
  }
  for (int t = 0; t < thread_count; ++t) threads_.emplace_back([this] { read_ahead(); });
}

ShardPrefetcher::~ShardPrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void ShardPrefetcher::read_ahead() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] {
      return stopping_ || next_to_read_ >= batch_count_ ||
             next_to_read_ < next_to_return_ + depth_batches_;
    });
    if (stopping_ || next_to_read_ >= batch_count_) return;
    const int64_t batch = next_to_read_++;
    lock.unlock();
    Result result;
    try {
      const auto begin = order_.begin() + batch * batch_size_;
      const auto end = order_.begin() + std::min<int64_t>((batch + 1) * batch_size_,
                                                          static_cast<int64_t>(order_.size()));
      result.batch = dataset_.read(std::vector<int64_t>(begin, end));
    } catch (...) {
      result.error = std::current_exception();
    }
    lock.lock();
    ready_.emplace(batch, std::move(result));
    changed_.notify_all();
  }
}

std::optional<SampleBatch> ShardPrefetcher::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (next_to_return_ >= batch_count_) return std::nullopt;
  changed_.wait(lock, [this] { return ready_.count(next_to_return_) > 0; });
  Result result = std::move(ready_.at(next_to_return_));
  ready_.erase(next_to_return_);
  ++next_to_return_;
  lock.unlock();
  changed_.notify_all();
  if (result.error) std::rethrow_exception(result.error);
  return std::move(result.batch);
}

}  // namespace dact::storage
