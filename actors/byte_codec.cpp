#include "actors/byte_codec.h"

#include <fmt/format.h>

#include <cstring>

#include "actors/actor_errors.h"

namespace dact::actors {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the wire format is little-endian and written with memcpy");

void ByteWriter::raw(const void* data, size_t size_bytes) {
  const size_t old_size = buffer_.size();
  buffer_.resize(old_size + size_bytes);
  std::memcpy(buffer_.data() + old_size, data, size_bytes);
}

void ByteWriter::u8(uint8_t value) { raw(&value, sizeof value); }
void ByteWriter::u16(uint16_t value) { raw(&value, sizeof value); }
void ByteWriter::u32(uint32_t value) { raw(&value, sizeof value); }
void ByteWriter::u64(uint64_t value) { raw(&value, sizeof value); }
void ByteWriter::i32(int32_t value) { raw(&value, sizeof value); }
void ByteWriter::i64(int64_t value) { raw(&value, sizeof value); }
void ByteWriter::f64(double value) { raw(&value, sizeof value); }
void ByteWriter::boolean(bool value) { u8(value ? 1 : 0); }

void ByteWriter::string(const std::string& value) {
  u64(value.size());
  raw(value.data(), value.size());
}

void ByteWriter::bytes(const Bytes& value) {
  u64(value.size());
  raw(value.data(), value.size());
}

void ByteWriter::string_list(const std::vector<std::string>& values) {
  u64(values.size());
  for (const std::string& value : values) string(value);
}

void ByteReader::raw(void* out, size_t size_bytes) {
  if (size_bytes > remaining_bytes()) {
    throw DecodeError(fmt::format("payload ends at byte {}; needed {} more bytes at offset {}",
                                  size_bytes_, size_bytes, offset_));
  }
  std::memcpy(out, data_ + offset_, size_bytes);
  offset_ += size_bytes;
}

uint8_t ByteReader::u8() { uint8_t v; raw(&v, sizeof v); return v; }
uint16_t ByteReader::u16() { uint16_t v; raw(&v, sizeof v); return v; }
uint32_t ByteReader::u32() { uint32_t v; raw(&v, sizeof v); return v; }
uint64_t ByteReader::u64() { uint64_t v; raw(&v, sizeof v); return v; }
int32_t ByteReader::i32() { int32_t v; raw(&v, sizeof v); return v; }
int64_t ByteReader::i64() { int64_t v; raw(&v, sizeof v); return v; }
double ByteReader::f64() { double v; raw(&v, sizeof v); return v; }

bool ByteReader::boolean() {
  const uint8_t v = u8();
  if (v > 1) throw DecodeError(fmt::format("boolean at offset {} holds {}", offset_ - 1, v));
  return v == 1;
}

// A length prefix is checked against the bytes left before anything is allocated, so a
// corrupted length cannot trigger a huge allocation.
size_t ByteReader::checked_length() {
  const uint64_t length = u64();
  if (length > remaining_bytes()) {
    throw DecodeError(fmt::format("length {} at offset {} exceeds the {} bytes left", length,
                                  offset_ - sizeof(uint64_t), remaining_bytes()));
  }
  return static_cast<size_t>(length);
}

std::string ByteReader::string() {
  std::string value(checked_length(), '\0');
  raw(value.data(), value.size());
  return value;
}

Bytes ByteReader::bytes() {
  Bytes value(checked_length());
  raw(value.data(), value.size());
  return value;
}

std::vector<std::string> ByteReader::string_list() {
  // Each string needs at least its 8-byte length, so a count above remaining / 8 is a lie;
  // checked before reserve(), which would otherwise allocate 32 bytes per claimed string.
  const uint64_t count = u64();
  if (count > remaining_bytes() / sizeof(uint64_t)) {
    throw DecodeError(fmt::format("list of {} strings at offset {} cannot fit in the {} bytes left", count,
                                  offset_ - sizeof(uint64_t), remaining_bytes()));
  }
  std::vector<std::string> values;
  values.reserve(count);
  for (size_t i = 0; i < count; ++i) values.push_back(string());
  return values;
}

void ByteReader::expect_end(const char* type_name) const {
  if (remaining_bytes() != 0) {
    throw DecodeError(fmt::format("{}: {} trailing bytes after the last field", type_name,
                                  remaining_bytes()));
  }
}

}  // namespace dact::actors
