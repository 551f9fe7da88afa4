#include "actors/idle_backoff.h"

#include <algorithm>

namespace dact::actors {

std::chrono::microseconds IdleBackoff::next_wait(std::chrono::steady_clock::time_point now,
                                                 std::chrono::microseconds ceiling) {
  if (!idle_since_) idle_since_ = now;
  if (now - *idle_since_ < options_.spin_window) return std::chrono::microseconds{0};
  const auto wait = std::min({next_wait_, options_.max_wait, ceiling});
  next_wait_ = std::min(next_wait_ * 2, options_.max_wait);
  return wait;
}

}  // namespace dact::actors
