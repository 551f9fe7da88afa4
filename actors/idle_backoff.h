// How long the run loop waits when a pass found nothing to do: it keeps polling without
// waiting for a short spin window (so a reply in a ping-pong is picked up within
// microseconds), then waits in steps that double up to a ceiling (so an idle actor costs
// almost no CPU). Any activity starts the next idle period with a spin window again.
//
// The spin window adapts: when work ended an idle period of `gap`, the next window is
// 2 x gap (at least spin_window, at most max_spin_window). Without that, two actors in a
// ping-pong lock each other into sleeping: once a hiccup (a lost time slice) outlasts one
// side's spin window, that side sleeps, so the other waits past its own window and sleeps
// too, and from then on every reply waits for a sleeper to wake (~1 ms per message,
// bench/results/actor_messaging.md). A truly idle actor (gaps beyond max_spin_window)
// keeps the short window. Not thread-safe.
#pragma once

#include <chrono>
#include <optional>

namespace dact::actors {

struct IdleBackoffOptions {
  std::chrono::microseconds spin_window{200};
  std::chrono::microseconds first_wait{50};
  std::chrono::microseconds max_wait{1000};
  // Must exceed spin_window + max_wait (plus the OS's oversleep, ~130 us on our VMs), the
  // longest gap a sleeping peer causes, or the lock-step above cannot be left.
  std::chrono::microseconds max_spin_window{2000};
};

class IdleBackoff {
 public:
  explicit IdleBackoff(IdleBackoffOptions options = {})
      : options_(options), spin_window_(options.spin_window) {}

  // Work happened at `now`; ends the idle period, if any, and sizes the next spin window.
  void on_work(std::chrono::steady_clock::time_point now);
  // The wait before the next poll; zero inside the spin window. `ceiling` caps it (the loop
  // passes a small one while sends are in flight, which MPI only advances when polled).
  std::chrono::microseconds next_wait(std::chrono::steady_clock::time_point now,
                                      std::chrono::microseconds ceiling);
  std::chrono::microseconds spin_window() const { return spin_window_; }

 private:
  IdleBackoffOptions options_;
  std::chrono::microseconds spin_window_;
  std::optional<std::chrono::steady_clock::time_point> idle_since_;
  std::chrono::microseconds next_wait_ = options_.first_wait;
};

}  // namespace dact::actors
