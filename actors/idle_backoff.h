// How long the run loop waits when a pass found nothing to do: it keeps polling without
// waiting for a short spin window (so a reply in a ping-pong is picked up within
// microseconds), then waits in steps that double up to a ceiling (so an idle actor costs
// almost no CPU). Any activity resets it. Not thread-safe.
#pragma once

#include <chrono>
#include <optional>

namespace dact::actors {

struct IdleBackoffOptions {
  std::chrono::microseconds spin_window{200};
  std::chrono::microseconds first_wait{50};
  std::chrono::microseconds max_wait{1000};
};

class IdleBackoff {
 public:
  explicit IdleBackoff(IdleBackoffOptions options = {}) : options_(options) {}

  void reset() { idle_since_.reset(); next_wait_ = options_.first_wait; }
  // The wait before the next poll; zero inside the spin window. `ceiling` caps it (the loop
  // passes a small one while sends are in flight, which MPI only advances when polled).
  std::chrono::microseconds next_wait(std::chrono::steady_clock::time_point now,
                                      std::chrono::microseconds ceiling);

 private:
  IdleBackoffOptions options_;
  std::optional<std::chrono::steady_clock::time_point> idle_since_;
  std::chrono::microseconds next_wait_ = options_.first_wait;
};

}  // namespace dact::actors
