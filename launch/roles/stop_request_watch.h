#pragma once
// The coordinator's side of preemption: it watches RUN/stop_request (written by the
// supervisor when `dact train` gets SIGTERM/SIGUSR1/SIGINT) and tells every trainer to
// stop early, once. A file rather than a forwarded signal: it reaches ranks on every
// node through the shared run directory, whatever the MPI launcher does with signals.
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <string>

#include "actors/actor.h"

namespace dact::launch {

class StopRequestWatch {
 public:
  // Checks `path` every `interval_s` on the actor's loop; calls `on_request` with the
  // file's content the first time it exists.
  StopRequestWatch(actors::Actor& actor, std::string path, double interval_s,
                   std::function<void(const std::string& reason)> on_request);
  ~StopRequestWatch();

 private:
  void schedule();

  std::string path_;
  double interval_s_;
  std::function<void(const std::string&)> on_request_;
  boost::asio::steady_timer timer_;
  bool fired_ = false;
};

}  // namespace dact::launch
