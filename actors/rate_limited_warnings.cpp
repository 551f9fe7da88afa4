#include "actors/rate_limited_warnings.h"

#include <glog/logging.h>

namespace dact::actors {

RateLimitedWarnings::RateLimitedWarnings(int lines_per_window, double window_s)
    : lines_per_window_(lines_per_window),
      window_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(window_s))) {}

void RateLimitedWarnings::warn(const std::string& line) {
  const auto now = Clock::now();
  if (now - window_start_ >= window_) {
    window_start_ = now;
    lines_in_window_ = 0;
  }
  if (lines_in_window_ >= lines_per_window_) {
    ++suppressed_since_last_line_;
    ++suppressed_total_;
    return;
  }
  ++lines_in_window_;
  if (suppressed_since_last_line_ > 0) {
    LOG(WARNING) << line << " (" << suppressed_since_last_line_ << " similar warnings left out before this one)";
    suppressed_since_last_line_ = 0;
  } else {
    LOG(WARNING) << line;
  }
}

}  // namespace dact::actors
