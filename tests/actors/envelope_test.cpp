#include "actors/envelope.h"

#include <gtest/gtest.h>

#include <cstring>

#include "actors/actor_errors.h"

namespace dact::actors {
namespace {

constexpr uint64_t kNoLimit = ~uint64_t{0};

EnvelopeHeader sample_header() {
  EnvelopeHeader header;
  header.type_id = 1234;
  header.version = 3;
  header.flags = kPayloadChecksummed;
  header.sender = 42;
  header.sequence = 0x0102030405060708;
  header.payload_size_bytes = 100;
  header.payload_checksum = 0xfeedfacecafebeef;
  return header;
}

FrameFault fault_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const FrameError& error) {
    return error.fault();
  }
  ADD_FAILURE() << "expected a FrameError";
  return FrameFault::kShort;
}

TEST(Envelope, HeaderRoundTrips) {
  const EnvelopeHeader header = sample_header();
  const HeaderBytes bytes = encode_header(header);
  const EnvelopeHeader decoded = decode_header(bytes.data(), bytes.size(), kNoLimit, "test");
  EXPECT_EQ(decoded.type_id, header.type_id);
  EXPECT_EQ(decoded.version, header.version);
  EXPECT_EQ(decoded.flags, header.flags);
  EXPECT_EQ(decoded.sender, header.sender);
  EXPECT_EQ(decoded.sequence, header.sequence);
  EXPECT_EQ(decoded.payload_size_bytes, header.payload_size_bytes);
  EXPECT_EQ(decoded.payload_checksum, header.payload_checksum);
}

TEST(Envelope, WireLayoutStartsWithMagicAndFormat) {
  const HeaderBytes bytes = encode_header(sample_header());
  EXPECT_EQ(std::memcmp(bytes.data(), "DACT", 4), 0);
  uint16_t format = 0;
  std::memcpy(&format, bytes.data() + 4, 2);
  EXPECT_EQ(format, kEnvelopeFormat);
  uint64_t payload_size = 0;
  std::memcpy(&payload_size, bytes.data() + 24, 8);  // after magic..sequence
  EXPECT_EQ(payload_size, 100u);
}

TEST(Envelope, RefusesShortBadMagicCorruptAndOversizedHeaders) {
  HeaderBytes bytes = encode_header(sample_header());
  EXPECT_EQ(fault_of([&] { decode_header(bytes.data(), 10, kNoLimit, "t"); }), FrameFault::kShort);

  HeaderBytes bad_magic = bytes;
  bad_magic[0] = std::byte{'X'};
  EXPECT_EQ(fault_of([&] { decode_header(bad_magic.data(), bad_magic.size(), kNoLimit, "t"); }),
            FrameFault::kBadMagic);

  HeaderBytes bad_format = bytes;
  bad_format[4] = std::byte{9};
  EXPECT_EQ(fault_of([&] { decode_header(bad_format.data(), bad_format.size(), kNoLimit, "t"); }),
            FrameFault::kBadFormat);

  HeaderBytes flipped = bytes;
  flipped[20] ^= std::byte{0x10};  // one bit of the sequence number
  EXPECT_EQ(fault_of([&] { decode_header(flipped.data(), flipped.size(), kNoLimit, "t"); }),
            FrameFault::kBadHeaderChecksum);

  EXPECT_EQ(fault_of([&] { decode_header(bytes.data(), bytes.size(), 99, "t"); }),
            FrameFault::kOversized);
  EXPECT_NO_THROW(decode_header(bytes.data(), bytes.size(), 100, "t"));
}

TEST(Envelope, PayloadChecksumIsXxh64WithSeedZero) {
  // Reference values from the xxHash specification's test vectors.
  EXPECT_EQ(payload_checksum(nullptr, 0), 0xEF46DB3751D8E999ull);
  const char* abc = "abc";
  EXPECT_EQ(payload_checksum(reinterpret_cast<const std::byte*>(abc), 3), 0x44BC2CF5AD770999ull);
}

TEST(Envelope, CorruptedPayloadIsRefused) {
  Envelope envelope;
  envelope.payload.resize(1000);
  for (size_t i = 0; i < envelope.payload.size(); ++i) envelope.payload[i] = std::byte(i * 7);
  seal_payload(envelope);
  EXPECT_NO_THROW(verify_payload(envelope, "t"));

  Envelope corrupted = envelope;
  corrupted.payload[500] ^= std::byte{1};
  EXPECT_EQ(fault_of([&] { verify_payload(corrupted, "t"); }), FrameFault::kBadPayloadChecksum);

  Envelope truncated = envelope;
  truncated.payload.resize(999);
  EXPECT_EQ(fault_of([&] { verify_payload(truncated, "t"); }), FrameFault::kSizeMismatch);
}

TEST(Envelope, UncheckedPayloadSkipsOnlyTheChecksum) {
  Envelope envelope;
  envelope.payload.resize(10);
  seal_payload_unchecked(envelope);
  envelope.payload[0] ^= std::byte{1};
  EXPECT_NO_THROW(verify_payload(envelope, "t"));
  envelope.payload.resize(11);
  EXPECT_EQ(fault_of([&] { verify_payload(envelope, "t"); }), FrameFault::kSizeMismatch);
}

}  // namespace
}  // namespace dact::actors
