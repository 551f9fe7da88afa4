// Job payloads as versioned bytes. The coordinator's job queue carries a job's payload
// and result as opaque bytes; a worker message written this way carries its type id and
// wire version in front, so a member of another build refuses it by name (never guesses
// at a layout).
#pragma once

#include <string>

#include "actors/message.h"

namespace dact::workers {

// u16 type id, u16 version, then the message's fields.
template <class M>
actors::Bytes to_job_bytes(const M& message) {
  actors::ByteWriter writer;
  writer.u16(M::kTypeId);
  writer.u16(M::kVersion);
  message.encode(writer);
  return writer.take();
}

// Throws actors::DecodeError for another type or a short/long payload and
// actors::UnsupportedMessageVersion for a version outside [kMinVersion, kVersion].
template <class M>
M from_job_bytes(const actors::Bytes& bytes) {
  actors::ByteReader reader(bytes);
  const uint16_t type_id = reader.u16();
  const uint16_t version = reader.u16();
  if (type_id != M::kTypeId) {
    throw actors::DecodeError(std::string("job payload holds message type ") + std::to_string(type_id) +
                              ", expected " + M::kName + " (" + std::to_string(M::kTypeId) + ")");
  }
  if (version < M::kMinVersion || version > M::kVersion) {
    throw actors::UnsupportedMessageVersion(M::kName, version, M::kMinVersion, M::kVersion, -1);
  }
  M message = M::decode(reader, version);
  reader.expect_end(M::kName);
  return message;
}

}  // namespace dact::workers
