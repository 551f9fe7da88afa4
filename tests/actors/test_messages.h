// Message types used only by tests (type ids 1000+, actors/message.h).
#pragma once

#include <string>

#include "actors/message.h"

namespace dact::actors::testing {

struct Ping {
  static constexpr MessageTypeId kTypeId = 1000;
  static constexpr uint16_t kVersion = 2;
  static constexpr uint16_t kMinVersion = 1;
  static constexpr const char* kName = "Ping";
  uint64_t counter = 0;
  std::string note;  // added in version 2
  void encode(ByteWriter& out) const {
    out.u64(counter);
    out.string(note);
  }
  static Ping decode(ByteReader& in, uint16_t version) {
    Ping ping;
    ping.counter = in.u64();
    if (version >= 2) ping.note = in.string();
    return ping;
  }
};

struct Pong {
  static constexpr MessageTypeId kTypeId = 1001;
  static constexpr uint16_t kVersion = 1;
  static constexpr uint16_t kMinVersion = 1;
  static constexpr const char* kName = "Pong";
  uint64_t counter = 0;
  void encode(ByteWriter& out) const { out.u64(counter); }
  static Pong decode(ByteReader& in, uint16_t) { return Pong{in.u64()}; }
};

}  // namespace dact::actors::testing
