// In-process test harness: actors run as threads (each on its own run loop) and the test
// thread talks to them only through ActorThread::call, which runs code on the loop thread.
#pragma once

#include <chrono>
#include <exception>
#include <future>
#include <thread>
#include <type_traits>

#include "actors/actor.h"

namespace dact::actors::testing {

class ActorThread {
 public:
  explicit ActorThread(Actor& actor) : actor_(actor) {
    thread_ = std::thread([this] {
      try {
        actor_.run();
      } catch (...) {
        error_ = std::current_exception();
      }
      finished_ = true;
    });
  }
  ~ActorThread() {
    actor_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Runs `task` on the actor's loop thread and returns its result.
  template <class F>
  auto call(F task) -> decltype(task()) {
    using Result = decltype(task());
    auto promise = std::make_shared<std::promise<Result>>();
    auto future = promise->get_future();
    actor_.post([promise, task]() mutable {
      try {
        if constexpr (std::is_void_v<Result>) {
          task();
          promise->set_value();
        } else {
          promise->set_value(task());
        }
      } catch (...) {
        promise->set_exception(std::current_exception());
      }
    });
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      throw std::runtime_error("actor loop did not run a posted task within 10 s");
    }
    return future.get();
  }

  // Waits for run() to return on its own; rethrows what it threw.
  void join() {
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(error_);
  }
  bool finished() const { return finished_; }

 private:
  Actor& actor_;
  std::thread thread_;
  std::exception_ptr error_;
  std::atomic<bool> finished_{false};
};

// Polls `condition` (on the test thread) until it holds or `timeout_s` passes.
template <class Condition>
bool eventually(Condition condition, double timeout_s = 5.0) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(timeout_s));
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return condition();
}

}  // namespace dact::actors::testing
