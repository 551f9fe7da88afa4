// Messages the runtime itself sends between actors.
#pragma once

#include "actors/message.h"

namespace dact::actors {

// "I am alive." Sent to a monitored peer when nothing else was sent to it for one
// heartbeat interval; any message counts as a sign of life.
struct Heartbeat {
  static constexpr MessageTypeId kTypeId = 1;
  static constexpr uint16_t kVersion = 1;
  static constexpr uint16_t kMinVersion = 1;
  static constexpr const char* kName = "Heartbeat";
  void encode(ByteWriter&) const {}
  static Heartbeat decode(ByteReader&, uint16_t) { return {}; }
};

}  // namespace dact::actors
