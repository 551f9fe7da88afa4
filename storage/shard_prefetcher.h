#pragma once
// Reads the batches of a known sample order ahead of time on background threads,
// so the consumer (the data loader actor) rarely waits for disk.
// The consumer side (next) is for one thread; the dataset must outlive this object.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "storage/shard_dataset.h"

namespace dact::storage {

class ShardPrefetcher {
 public:
  // Batch k is order[k * batch_size, (k + 1) * batch_size) (the last may be
  // shorter). At most `depth_batches` batches are read ahead of the consumer.
  ShardPrefetcher(const ShardDataset& dataset, std::vector<int64_t> order, int64_t batch_size,
                  int thread_count = 2, int64_t depth_batches = 4);
  // Stops and joins the threads (batches in flight are finished and dropped).
  ~ShardPrefetcher();
  ShardPrefetcher(const ShardPrefetcher&) = delete;
  ShardPrefetcher& operator=(const ShardPrefetcher&) = delete;

  int64_t batch_count() const { return batch_count_; }

  // The next batch in order, identical to dataset.read() of its indices;
  // std::nullopt after the last one. A read error is rethrown here, in order.
  std::optional<SampleBatch> next();

 private:
  struct Result {
    SampleBatch batch;
    std::exception_ptr error;
  };

  void read_ahead();

  const ShardDataset& dataset_;
  const std::vector<int64_t> order_;
  const int64_t batch_size_;
  const int64_t batch_count_;
  const int64_t depth_batches_;

  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t next_to_read_ = 0;
  int64_t next_to_return_ = 0;
  bool stopping_ = false;
  std::map<int64_t, Result> ready_;
  std::vector<std::thread> threads_;
};

}  // namespace dact::storage
