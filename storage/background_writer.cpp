#include "storage/background_writer.h"

#include <glog/logging.h>

#include <chrono>
#include <utility>

namespace dact::storage {

BackgroundWriter::BackgroundWriter() : thread_([this] { run(); }) {}

BackgroundWriter::~BackgroundWriter() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return !busy_; });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
  if (failure_) {
    try {
      std::rethrow_exception(failure_);
    } catch (const std::exception& e) {
      LOG(ERROR) << "background write failed: " << e.what();
    }
  }
}

void BackgroundWriter::rethrow_failure_locked() {
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
}

double BackgroundWriter::submit(std::function<void()> write) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !busy_; });
  const double waited_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rethrow_failure_locked();
  pending_ = std::move(write);
  busy_ = true;
  lock.unlock();
  changed_.notify_all();
  return waited_s;
}

void BackgroundWriter::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !busy_; });
  rethrow_failure_locked();
}

void BackgroundWriter::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || pending_; });
    if (!pending_) return;
    std::function<void()> write = std::move(pending_);
    pending_ = nullptr;
    lock.unlock();
    std::exception_ptr failure;
    try {
      write();
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    failure_ = failure ? failure : failure_;
    busy_ = false;
    changed_.notify_all();
  }
}

}  // namespace dact::storage
