// Explicit little-endian encoding of message fields. Message structs write their fields
// one by one with ByteWriter and read them back in the same order with ByteReader, so the
// wire layout never depends on compiler struct layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/bytes.h"

namespace dact::actors {

// Appends fields to an owned buffer. Not thread-safe.
class ByteWriter {
 public:
  void u8(uint8_t value);
  void u16(uint16_t value);
  void u32(uint32_t value);
  void u64(uint64_t value);
  void i32(int32_t value);
  void i64(int64_t value);
  void f64(double value);
  void boolean(bool value);
  // Length (u64) followed by the bytes.
  void string(const std::string& value);
  void bytes(const Bytes& value);
  void string_list(const std::vector<std::string>& values);

  // Hands over the buffer; the writer is empty afterwards.
  Bytes take() { return std::move(buffer_); }
  size_t size_bytes() const { return buffer_.size(); }

 private:
  void raw(const void* data, size_t size_bytes);
  Bytes buffer_;
};

// Reads fields from a borrowed buffer (which must outlive the reader). Every read past
// the end throws DecodeError naming the field position; never reads out of bounds.
class ByteReader {
 public:
  ByteReader(const std::byte* data, size_t size_bytes) : data_(data), size_bytes_(size_bytes) {}
  explicit ByteReader(const Bytes& buffer) : ByteReader(buffer.data(), buffer.size()) {}

  uint8_t u8();
  uint16_t u16();
  uint32_t u32();
  uint64_t u64();
  int32_t i32();
  int64_t i64();
  double f64();
  bool boolean();
  std::string string();
  Bytes bytes();
  std::vector<std::string> string_list();

  size_t remaining_bytes() const { return size_bytes_ - offset_; }
  // Throws DecodeError if bytes are left over: a payload longer than its type's fields.
  void expect_end(const char* type_name) const;

 private:
  void raw(void* out, size_t size_bytes);
  size_t checked_length();
  const std::byte* data_;
  size_t size_bytes_;
  size_t offset_ = 0;
};

}  // namespace dact::actors
