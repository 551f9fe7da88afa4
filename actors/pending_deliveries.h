// What asio handlers of a socket-based transport collect between two poll() calls.
#pragma once

#include <vector>

#include "actors/transport.h"

namespace dact::actors {

struct PendingDeliveries {
  std::vector<Envelope> envelopes;
  std::vector<LinkEvent> events;

  // Appends everything to poll()'s outputs and empties itself; returns whether there was
  // anything.
  bool drain_into(std::vector<Envelope>& received, std::vector<LinkEvent>& link_events);
};

}  // namespace dact::actors
