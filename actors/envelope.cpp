#include "actors/envelope.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <cstring>

#include "actors/actor_errors.h"

namespace dact::actors {
namespace {

constexpr uint32_t kMagic = 0x54434144;  // "DACT" read as little-endian u32
constexpr size_t kChecksummedHeaderBytes = kEnvelopeHeaderBytes - sizeof(uint32_t);

template <class T>
void put(std::byte*& out, T value) {
  std::memcpy(out, &value, sizeof value);
  out += sizeof value;
}

template <class T>
T get(const std::byte*& in) {
  T value;
  std::memcpy(&value, in, sizeof value);
  in += sizeof value;
  return value;
}

uint32_t header_checksum(const std::byte* data) {
  return static_cast<uint32_t>(XXH64(data, kChecksummedHeaderBytes, 0));
}

}  // namespace

HeaderBytes encode_header(const EnvelopeHeader& header) {
  HeaderBytes bytes;
  std::byte* out = bytes.data();
  put(out, kMagic);
  put(out, kEnvelopeFormat);
  put(out, header.type_id);
  put(out, header.version);
  put(out, header.flags);
  put(out, header.sender);
  put(out, header.sequence);
  put(out, header.payload_size_bytes);
  put(out, header.payload_checksum);
  put(out, header_checksum(bytes.data()));
  return bytes;
}

EnvelopeHeader decode_header(const std::byte* data, size_t size_bytes, uint64_t max_payload_bytes,
                             const char* origin) {
  if (size_bytes < kEnvelopeHeaderBytes) {
    throw FrameError(FrameFault::kShort, fmt::format("{}: {} bytes, header needs {}", origin,
                                                     size_bytes, kEnvelopeHeaderBytes));
  }
  const std::byte* in = data;
  const auto magic = get<uint32_t>(in);
  if (magic != kMagic) {
    throw FrameError(FrameFault::kBadMagic, fmt::format("{}: magic {:#010x}", origin, magic));
  }
  const auto format = get<uint16_t>(in);
  if (format != kEnvelopeFormat) {
    throw FrameError(FrameFault::kBadFormat,
                     fmt::format("{}: format {}, this build reads {}", origin, format,
                                 kEnvelopeFormat));
  }
  EnvelopeHeader header;
  header.type_id = get<MessageTypeId>(in);
  header.version = get<uint16_t>(in);
  header.flags = get<uint16_t>(in);
  header.sender = get<PeerId>(in);
  header.sequence = get<uint64_t>(in);
  header.payload_size_bytes = get<uint64_t>(in);
  header.payload_checksum = get<uint64_t>(in);
  const auto stored_checksum = get<uint32_t>(in);
  if (stored_checksum != header_checksum(data)) {
    throw FrameError(FrameFault::kBadHeaderChecksum, fmt::format("{}: type {}", origin,
                                                                 header.type_id));
  }
  if (header.payload_size_bytes > max_payload_bytes) {
    throw FrameError(FrameFault::kOversized,
                     fmt::format("{}: payload of {} bytes, limit {}", origin,
                                 header.payload_size_bytes, max_payload_bytes));
  }
  return header;
}

uint64_t payload_checksum(const std::byte* data, size_t size_bytes) {
  return XXH64(data, size_bytes, 0);
}

void seal_payload(Envelope& envelope) {
  envelope.header.payload_size_bytes = envelope.payload.size();
  envelope.header.payload_checksum = payload_checksum(envelope.payload.data(),
                                                      envelope.payload.size());
  envelope.header.flags |= kPayloadChecksummed;
}

void seal_payload_unchecked(Envelope& envelope) {
  envelope.header.payload_size_bytes = envelope.payload.size();
  envelope.header.payload_checksum = 0;
  envelope.header.flags &= static_cast<uint16_t>(~kPayloadChecksummed);
}

void verify_payload(const Envelope& envelope, const char* origin) {
  const EnvelopeHeader& header = envelope.header;
  if (envelope.payload.size() != header.payload_size_bytes) {
    throw FrameError(FrameFault::kSizeMismatch,
                     fmt::format("{}: type {} carries {} payload bytes, header says {}", origin,
                                 header.type_id, envelope.payload.size(),
                                 header.payload_size_bytes));
  }
  if ((header.flags & kPayloadChecksummed) == 0) return;
  const uint64_t actual = payload_checksum(envelope.payload.data(), envelope.payload.size());
  if (actual != header.payload_checksum) {
    throw FrameError(FrameFault::kBadPayloadChecksum,
                     fmt::format("{}: type {} seq {}: xxh64 {:#018x}, header says {:#018x}",
                                 origin, header.type_id, header.sequence, actual,
                                 header.payload_checksum));
  }
}

}  // namespace dact::actors
