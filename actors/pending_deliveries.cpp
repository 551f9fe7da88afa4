#include "actors/pending_deliveries.h"

namespace dact::actors {

bool PendingDeliveries::drain_into(std::vector<Envelope>& received,
                                   std::vector<LinkEvent>& link_events) {
  const bool any = !envelopes.empty() || !events.empty();
  for (Envelope& envelope : envelopes) received.push_back(std::move(envelope));
  for (LinkEvent& event : events) link_events.push_back(std::move(event));
  envelopes.clear();
  events.clear();
  return any;
}

}  // namespace dact::actors
