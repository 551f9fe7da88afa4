#pragma once
// Runs file writes on one background thread so the caller (the gradient loop, the
// EMA actor) does not wait for the disk. One write is in flight at a time: submit()
// waits for the previous write first, which bounds memory to one pending copy. An
// exception from a write is rethrown by the next submit(), wait() or the destructor's
// log line, never lost.
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace dact::storage {

class BackgroundWriter {
 public:
  BackgroundWriter();
  ~BackgroundWriter();  // waits for the pending write; logs (does not throw) its error
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  // Queues `write` (which must own everything it touches). Returns the seconds spent
  // waiting for the previous write to finish: the stall the caller saw.
  double submit(std::function<void()> write);

  // Waits until no write is pending; rethrows the error of a failed write.
  void wait();

 private:
  void run();
  void rethrow_failure_locked();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::function<void()> pending_;
  bool busy_ = false;
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace dact::storage
