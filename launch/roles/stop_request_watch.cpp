#include "launch/roles/stop_request_watch.h"

#include <chrono>
#include <fstream>
#include <sstream>

namespace dact::launch {

StopRequestWatch::StopRequestWatch(actors::Actor& actor, std::string path, double interval_s,
                                   std::function<void(const std::string&)> on_request)
    : path_(std::move(path)),
      interval_s_(interval_s),
      on_request_(std::move(on_request)),
      timer_(actor.io()) {
  schedule();
}

StopRequestWatch::~StopRequestWatch() { timer_.cancel(); }

void StopRequestWatch::schedule() {
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(interval_s_)));
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || fired_) return;
    std::ifstream in(path_);
    if (in) {
      std::ostringstream reason;
      reason << in.rdbuf();
      fired_ = true;
      on_request_(reason.str());
      return;
    }
    schedule();
  });
}

}  // namespace dact::launch
