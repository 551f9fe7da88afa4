// Typed messages. A message struct M declares its identity and wire versions and writes
// its fields explicitly:
//
//   struct Heartbeat {
//     static constexpr MessageTypeId kTypeId = 1;
//     static constexpr uint16_t kVersion = 1;     // written by this build
//     static constexpr uint16_t kMinVersion = 1;  // oldest version this build reads
//     static constexpr const char* kName = "Heartbeat";
//     void encode(ByteWriter& out) const;
//     static Heartbeat decode(ByteReader& in, uint16_t version);
//   };
//
// Type id ranges, one per folder, so ids never collide:
//   1..99 actors (runtime), 100..199 coordinator, 200..999 workers, 1000.. tests and benches.
#pragma once

#include <cstdint>

#include "actors/actor_errors.h"
#include "actors/byte_codec.h"
#include "actors/envelope.h"

// Declares the identity above in one line inside a message struct; the struct's .cpp then
// defines encode() and decode().
#define DACT_ACTOR_MESSAGE(Type, id, written_version, oldest_read_version)             \
  static constexpr ::dact::actors::MessageTypeId kTypeId = id;                         \
  static constexpr uint16_t kVersion = written_version;                                \
  static constexpr uint16_t kMinVersion = oldest_read_version;                         \
  static constexpr const char* kName = #Type;                                          \
  void encode(::dact::actors::ByteWriter& out) const;                                  \
  static Type decode(::dact::actors::ByteReader& in, uint16_t wire_version);

namespace dact::actors {

template <class M>
Bytes encode_payload(const M& message) {
  ByteWriter writer;
  message.encode(writer);
  return writer.take();
}

// Decodes an envelope's payload as M. Throws UnsupportedMessageVersion for a version
// outside [M::kMinVersion, M::kVersion] and DecodeError for a short or over-long payload.
template <class M>
M decode_payload(const Envelope& envelope) {
  const EnvelopeHeader& header = envelope.header;
  if (header.version < M::kMinVersion || header.version > M::kVersion) {
    throw UnsupportedMessageVersion(M::kName, header.version, M::kMinVersion, M::kVersion,
                                    header.sender);
  }
  ByteReader reader(envelope.payload);
  M message = M::decode(reader, header.version);
  reader.expect_end(M::kName);
  return message;
}

}  // namespace dact::actors
