// Warnings a peer can trigger (refused frames, dropped messages) are logged at most
// `lines_per_window` times per window, so a flood cannot fill the disk or bury the log;
// the first line after a quiet spell says how many were left out.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace dact::actors {

class RateLimitedWarnings {
 public:
  RateLimitedWarnings(int lines_per_window = 20, double window_s = 10.0);

  // Logs `line` as a glog WARNING unless this window's lines are used up.
  void warn(const std::string& line);
  uint64_t suppressed_total() const { return suppressed_total_; }

 private:
  using Clock = std::chrono::steady_clock;
  int lines_per_window_;
  Clock::duration window_;
  Clock::time_point window_start_{};
  int lines_in_window_ = 0;
  uint64_t suppressed_since_last_line_ = 0;
  uint64_t suppressed_total_ = 0;
};

}  // namespace dact::actors
