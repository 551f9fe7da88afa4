#include "workers/job_thread.h"

#include <stdexcept>

namespace dact::workers {

JobThread::JobThread(Compute compute, Done done)
    : compute_(std::move(compute)), done_(std::move(done)), thread_([this] { loop(); }) {}

JobThread::~JobThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
    next_.reset();
  }
  wake_.notify_all();
  thread_.join();
}

void JobThread::start(uint64_t job_id, actors::Bytes payload) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (next_ || running_) {
      throw std::logic_error("job " + std::to_string(job_id) + " started while another job runs");
    }
    next_.emplace(job_id, std::move(payload));
  }
  wake_.notify_all();
}

bool JobThread::busy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_.has_value() || running_;
}

void JobThread::loop() {
  for (;;) {
    std::pair<uint64_t, actors::Bytes> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return closing_ || next_.has_value(); });
      if (closing_) return;
      job = std::move(*next_);
      next_.reset();
      running_ = true;
    }
    actors::Bytes result = compute_(job.second);
    // Cleared before done_ so that the next start() (often triggered by done_) is accepted.
    {
      std::lock_guard<std::mutex> lock(mutex_);
      running_ = false;
    }
    done_(job.first, std::move(result));
  }
}

}  // namespace dact::workers
