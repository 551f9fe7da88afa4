// The envelope: a fixed 44-byte header plus payload bytes. Every transport puts exactly
// this on the wire, so frames are self-describing and length-prefixed by the header.
//
// Wire layout (little-endian):
//   u32 magic "DACT" | u16 format | u16 type_id | u16 version | u16 flags | i32 sender |
//   u64 sequence | u64 payload_size_bytes | u64 payload_checksum | u32 header_checksum
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "actors/bytes.h"
#include "actors/peer_id.h"

namespace dact::actors {

using MessageTypeId = uint16_t;

constexpr size_t kEnvelopeHeaderBytes = 44;
constexpr uint16_t kEnvelopeFormat = 1;
// flags bit: payload_checksum holds XXH64(payload); unset when the transport relies on its
// own integrity guarantee for bulk payloads (see MpiTransportOptions).
constexpr uint16_t kPayloadChecksummed = 1;

struct EnvelopeHeader {
  MessageTypeId type_id = 0;
  uint16_t version = 0;
  uint16_t flags = 0;
  PeerId sender = kUnknownPeer;  // stamped by the receiving transport from the link
  uint64_t sequence = 0;         // per (sender, destination), first message is 1
  uint64_t payload_size_bytes = 0;
  uint64_t payload_checksum = 0;
};

struct Envelope {
  EnvelopeHeader header;
  Bytes payload;
};

using HeaderBytes = std::array<std::byte, kEnvelopeHeaderBytes>;

HeaderBytes encode_header(const EnvelopeHeader& header);

// Parses and validates a header; throws FrameError (short, magic, format, header checksum,
// or a payload larger than max_payload_bytes). `origin` names the peer for the message.
EnvelopeHeader decode_header(const std::byte* data, size_t size_bytes, uint64_t max_payload_bytes,
                             const char* origin);

uint64_t payload_checksum(const std::byte* data, size_t size_bytes);

// Sets payload_size_bytes, and the checksum plus its flag.
void seal_payload(Envelope& envelope);
// Sets payload_size_bytes only; the checksum flag is cleared.
void seal_payload_unchecked(Envelope& envelope);

// Throws FrameError if the payload length disagrees with the header or, when the header
// carries a checksum, if the bytes do not match it.
void verify_payload(const Envelope& envelope, const char* origin);

}  // namespace dact::actors
