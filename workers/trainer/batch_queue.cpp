#include "workers/trainer/batch_queue.h"

namespace dact::workers::trainer {

void BatchQueue::push(MicroBatch batch) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batches_.push_back(std::move(batch));
  }
  arrived_.notify_one();
}

std::optional<MicroBatch> BatchQueue::pop() {
  std::unique_lock<std::mutex> lock(mutex_);
  arrived_.wait(lock, [this] { return closed_ || !batches_.empty(); });
  if (batches_.empty()) return std::nullopt;
  MicroBatch batch = std::move(batches_.front());
  batches_.pop_front();
  return batch;
}

void BatchQueue::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  arrived_.notify_all();
}

}  // namespace dact::workers::trainer
