// Runs leased jobs one at a time on a thread of its own, so the actor that leased them
// keeps its loop (heartbeats, shutdown, more messages) running while a job computes.
// The job's function and the completion callback run on that thread; the callback
// typically hands the result to the actor with Actor::post. Compute must not throw: a
// failure is part of its result (an exception escaping it ends the process).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "actors/bytes.h"

namespace dact::workers {

class JobThread {
 public:
  using Compute = std::function<actors::Bytes(const actors::Bytes& payload)>;
  using Done = std::function<void(uint64_t job_id, actors::Bytes result)>;

  JobThread(Compute compute, Done done);
  // Waits for the running job (a computation cannot be interrupted half-way) and ends
  // the thread; a job started but not yet running is discarded.
  ~JobThread();
  JobThread(const JobThread&) = delete;
  JobThread& operator=(const JobThread&) = delete;

  // Thread-safe. Throws std::logic_error while another job is started or running.
  void start(uint64_t job_id, actors::Bytes payload);
  bool busy() const;

 private:
  void loop();

  Compute compute_;
  Done done_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<std::pair<uint64_t, actors::Bytes>> next_;
  bool running_ = false;
  bool closing_ = false;
  std::thread thread_;
};

}  // namespace dact::workers
