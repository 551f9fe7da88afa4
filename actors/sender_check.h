// Who may send a message type: an Actor drops (and reports to on_rejected) a message
// whose sender the check refuses, before decoding its payload. The coordinator builds its
// checks from its member table; other ranks know their peers' ranks from the role map.
#pragma once

#include <algorithm>
#include <functional>
#include <vector>

#include "actors/peer_id.h"

namespace dact::actors {

using SenderCheck = std::function<bool(PeerId sender)>;

// Only these peers (e.g. the coordinator, or the trainer ranks a loader serves).
inline SenderCheck only_from(std::vector<PeerId> peers) {
  return [peers = std::move(peers)](PeerId sender) {
    return std::find(peers.begin(), peers.end(), sender) != peers.end();
  };
}

}  // namespace dact::actors
