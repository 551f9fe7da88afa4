#pragma once
// Round trips of actor messages through their wire codecs, as a receiving transport
// decodes them: every field comes back, and a payload one byte short or one byte long
// is refused.
#include <gtest/gtest.h>

#include "actors/actor_errors.h"
#include "actors/message.h"

namespace dact::testing {

// `fields(message)` returns std::tie of every field of M.
template <class M, class Fields>
void expect_round_trip(const M& message, Fields fields) {
  SCOPED_TRACE(M::kName);
  actors::Envelope envelope;
  envelope.header.type_id = M::kTypeId;
  envelope.header.version = M::kVersion;
  envelope.payload = actors::encode_payload(message);
  const M back = actors::decode_payload<M>(envelope);
  EXPECT_TRUE(fields(back) == fields(message));
  EXPECT_EQ(actors::encode_payload(back), envelope.payload);

  actors::Envelope longer = envelope;
  longer.payload.push_back(std::byte{0});
  EXPECT_THROW(actors::decode_payload<M>(longer), actors::DecodeError);
  if (!envelope.payload.empty()) {
    actors::Envelope shorter = envelope;
    shorter.payload.pop_back();
    EXPECT_THROW(actors::decode_payload<M>(shorter), actors::DecodeError);
  }
  actors::Envelope newer = envelope;
  newer.header.version = M::kVersion + 1;
  EXPECT_THROW(actors::decode_payload<M>(newer), actors::UnsupportedMessageVersion);
}

}  // namespace dact::testing
