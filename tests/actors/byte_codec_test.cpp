#include "actors/byte_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "actors/actor_errors.h"

namespace dact::actors {
namespace {

TEST(ByteCodec, RoundTripsEveryFieldKind) {
  ByteWriter writer;
  writer.u8(0xab);
  writer.u16(0xbeef);
  writer.u32(0xdeadbeef);
  writer.u64(std::numeric_limits<uint64_t>::max());
  writer.i32(-7);
  writer.i64(std::numeric_limits<int64_t>::min());
  writer.f64(0.1);
  writer.boolean(true);
  writer.string("héllo");
  Bytes blob(3);
  blob[0] = std::byte{1};
  blob[1] = std::byte{2};
  blob[2] = std::byte{3};
  writer.bytes(blob);
  writer.string_list({"a", "", "ccc"});
  const Bytes buffer = writer.take();

  ByteReader reader(buffer);
  EXPECT_EQ(reader.u8(), 0xab);
  EXPECT_EQ(reader.u16(), 0xbeef);
  EXPECT_EQ(reader.u32(), 0xdeadbeefu);
  EXPECT_EQ(reader.u64(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(reader.i32(), -7);
  EXPECT_EQ(reader.i64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(reader.f64(), 0.1);
  EXPECT_TRUE(reader.boolean());
  EXPECT_EQ(reader.string(), "héllo");
  EXPECT_EQ(reader.bytes(), blob);
  EXPECT_EQ(reader.string_list(), (std::vector<std::string>{"a", "", "ccc"}));
  EXPECT_NO_THROW(reader.expect_end("test"));
}

TEST(ByteCodec, WritesLittleEndian) {
  ByteWriter writer;
  writer.u32(0x01020304);
  const Bytes buffer = writer.take();
  ASSERT_EQ(buffer.size(), 4u);
  EXPECT_EQ(buffer[0], std::byte{0x04});
  EXPECT_EQ(buffer[3], std::byte{0x01});
}

TEST(ByteCodec, ShortReadThrowsDecodeError) {
  ByteWriter writer;
  writer.u16(5);
  const Bytes buffer = writer.take();
  ByteReader reader(buffer);
  EXPECT_THROW(reader.u32(), DecodeError);
}

TEST(ByteCodec, LengthBeyondBufferThrowsBeforeAllocating) {
  ByteWriter writer;
  writer.u64(uint64_t{1} << 62);  // a corrupted string length
  const Bytes buffer = writer.take();
  ByteReader reader(buffer);
  EXPECT_THROW(reader.string(), DecodeError);
  ByteReader list_reader(buffer);
  EXPECT_THROW(list_reader.string_list(), DecodeError);
}

TEST(ByteCodec, TrailingBytesAreAnError) {
  ByteWriter writer;
  writer.u32(1);
  writer.u8(2);
  const Bytes buffer = writer.take();
  ByteReader reader(buffer);
  reader.u32();
  EXPECT_THROW(reader.expect_end("Thing"), DecodeError);
}

TEST(ByteCodec, BooleanRejectsValuesOtherThanZeroAndOne) {
  ByteWriter writer;
  writer.u8(2);
  const Bytes buffer = writer.take();
  ByteReader reader(buffer);
  EXPECT_THROW(reader.boolean(), DecodeError);
}

}  // namespace
}  // namespace dact::actors
