#include "actors/actor_errors.h"

#include <fmt/format.h>

namespace dact::actors {

const char* to_string(FrameFault fault) {
  switch (fault) {
    case FrameFault::kShort: return "short frame";
    case FrameFault::kBadMagic: return "bad magic";
    case FrameFault::kBadFormat: return "unknown envelope format";
    case FrameFault::kBadHeaderChecksum: return "bad header checksum";
    case FrameFault::kOversized: return "oversized frame";
    case FrameFault::kSizeMismatch: return "frame size mismatch";
    case FrameFault::kBadPayloadChecksum: return "bad payload checksum";
    case FrameFault::kNotAdmitted: return "frame type not allowed before admission";
  }
  return "unknown frame fault";
}

FrameError::FrameError(FrameFault fault, const std::string& detail)
    : ActorError(fmt::format("{}: {}", to_string(fault), detail)), fault_(fault) {}

UnknownMessageType::UnknownMessageType(uint16_t type_id, int32_t sender)
    : ActorError(fmt::format("message type {} from peer {} has no handler", type_id, sender)),
      type_id_(type_id) {}

UnsupportedMessageVersion::UnsupportedMessageVersion(const std::string& type_name, uint16_t version,
                                                     uint16_t min_version, uint16_t max_version,
                                                     int32_t sender)
    : ActorError(fmt::format("{} version {} from peer {}: this build reads versions {}..{}",
                             type_name, version, sender, min_version, max_version)) {}

ForbiddenSender::ForbiddenSender(const std::string& type_name, int32_t sender)
    : ActorError(fmt::format("{} from peer {}, which may not send it; dropped", type_name, sender)) {}

}  // namespace dact::actors
