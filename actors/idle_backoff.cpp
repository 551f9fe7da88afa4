#include "actors/idle_backoff.h"

#include <algorithm>

namespace dact::actors {

void IdleBackoff::on_work(std::chrono::steady_clock::time_point now) {
  if (idle_since_) {
    const auto gap = std::chrono::duration_cast<std::chrono::microseconds>(now - *idle_since_);
    spin_window_ = gap <= options_.max_spin_window
                       ? std::max(options_.spin_window, std::min(2 * gap, options_.max_spin_window))
                       : options_.spin_window;
  }
  idle_since_.reset();
  next_wait_ = options_.first_wait;
}

std::chrono::microseconds IdleBackoff::next_wait(std::chrono::steady_clock::time_point now,
                                                 std::chrono::microseconds ceiling) {
  if (!idle_since_) idle_since_ = now;
  if (now - *idle_since_ < spin_window_) return std::chrono::microseconds{0};
  const auto wait = std::min({next_wait_, options_.max_wait, ceiling});
  next_wait_ = std::min(next_wait_ * 2, options_.max_wait);
  return wait;
}

}  // namespace dact::actors
