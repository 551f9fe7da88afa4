#include "actors/liveness_tracker.h"

namespace dact::actors {

void LivenessTracker::monitor(PeerId peer, SteadyTime now) { last_heard_[peer] = now; }

void LivenessTracker::forget(PeerId peer) { last_heard_.erase(peer); }

void LivenessTracker::heard_from(PeerId peer, SteadyTime now) {
  auto it = last_heard_.find(peer);
  if (it != last_heard_.end()) it->second = now;
}

std::vector<PeerId> LivenessTracker::take_expired(SteadyTime now) {
  std::vector<PeerId> expired;
  for (auto it = last_heard_.begin(); it != last_heard_.end();) {
    if (std::chrono::duration<double>(now - it->second).count() > timeout_s_) {
      expired.push_back(it->first);
      it = last_heard_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

double LivenessTracker::silence_s(PeerId peer, SteadyTime now) const {
  return std::chrono::duration<double>(now - last_heard_.at(peer)).count();
}

}  // namespace dact::actors
