// Who is alive: remembers when each monitored peer was last heard from and names the ones
// silent for longer than the timeout. Pure bookkeeping with caller-supplied time, so it
// is tested without sleeping. Not thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <vector>

#include "actors/peer_id.h"

namespace dact::actors {

using SteadyTime = std::chrono::steady_clock::time_point;

class LivenessTracker {
 public:
  explicit LivenessTracker(double timeout_s) : timeout_s_(timeout_s) {}

  // Starts watching `peer` as if just heard from (a new peer gets a full timeout).
  void monitor(PeerId peer, SteadyTime now);
  void forget(PeerId peer);
  void heard_from(PeerId peer, SteadyTime now);
  bool monitors(PeerId peer) const { return last_heard_.count(peer) != 0; }

  // Peers silent for longer than the timeout; they are forgotten, so each is named once.
  std::vector<PeerId> take_expired(SteadyTime now);

  // Time since `peer` was last heard from; throws std::out_of_range if not monitored.
  double silence_s(PeerId peer, SteadyTime now) const;
  double timeout_s() const { return timeout_s_; }

 private:
  double timeout_s_;
  std::map<PeerId, SteadyTime> last_heard_;
};

}  // namespace dact::actors
