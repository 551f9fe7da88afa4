// Typed errors of the actor runtime. Every message names the peer and what was expected.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace dact::actors {

class ActorError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Why a wire frame was refused before it reached a handler.
enum class FrameFault {
  kShort,               // fewer bytes than the fixed header
  kBadMagic,            // not a dact frame
  kBadFormat,           // unknown envelope wire format
  kBadHeaderChecksum,   // header bytes corrupted
  kOversized,           // payload larger than the transport's limit
  kSizeMismatch,        // frame length disagrees with the header's payload size
  kBadPayloadChecksum,  // payload bytes corrupted
  kNotAdmitted,         // a frame type a link may not send before it is admitted
};

const char* to_string(FrameFault fault);

// A frame that cannot be trusted; the transport drops it (and closes TCP links).
class FrameError : public ActorError {
 public:
  FrameError(FrameFault fault, const std::string& detail);
  FrameFault fault() const { return fault_; }

 private:
  FrameFault fault_;
};

// A payload that does not decode as the message type its header names.
class DecodeError : public ActorError {
 public:
  using ActorError::ActorError;
};

// A frame whose type id has no registered handler.
class UnknownMessageType : public ActorError {
 public:
  UnknownMessageType(uint16_t type_id, int32_t sender);
  uint16_t type_id() const { return type_id_; }

 private:
  uint16_t type_id_;
};

// A known message type in a version this build cannot decode.
class UnsupportedMessageVersion : public ActorError {
 public:
  UnsupportedMessageVersion(const std::string& type_name, uint16_t version, uint16_t min_version,
                            uint16_t max_version, int32_t sender);
};

// A message from a peer that may not send its type (not a member, or not the member
// holding the role that sends it). Dropped before its payload is decoded.
class ForbiddenSender : public ActorError {
 public:
  ForbiddenSender(const std::string& type_name, int32_t sender);
};

// A transport that cannot do what was asked (unreachable peer, socket or MPI failure).
class TransportError : public ActorError {
 public:
  using ActorError::ActorError;
};

}  // namespace dact::actors
