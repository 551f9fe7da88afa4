// A misbehaving TCP peer for tests: writes arbitrary bytes to a listening transport and
// reports whether the far side then closed the link.
#pragma once

#include <sys/socket.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "actors/envelope.h"

namespace dact::actors::testing {

// Envelope bytes whose header claims `claimed_payload_bytes` (may differ from the payload
// actually appended); the payload checksum is computed over `payload`.
inline std::vector<std::byte> raw_frame(MessageTypeId type, uint16_t version, Bytes payload,
                                        uint64_t claimed_payload_bytes) {
  Envelope envelope;
  envelope.header.type_id = type;
  envelope.header.version = version;
  envelope.header.sequence = 1;
  envelope.payload = std::move(payload);
  seal_payload(envelope);
  envelope.header.payload_size_bytes = claimed_payload_bytes;
  const HeaderBytes header = encode_header(envelope.header);
  std::vector<std::byte> bytes(header.size() + envelope.payload.size());
  std::copy(header.begin(), header.end(), bytes.begin());
  std::copy(envelope.payload.begin(), envelope.payload.end(), bytes.begin() + static_cast<std::ptrdiff_t>(header.size()));
  return bytes;
}

// Sends `bytes` to 127.0.0.1:port, then reads (a refusal may come first) until the far side
// closes. False if it kept the link open for 5 s. A far side that closes while the bytes
// are still being written has closed too (the write error is not an error of the test).
inline bool link_closed_after_sending(uint16_t port, const std::vector<std::byte>& bytes) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  timeval timeout{5, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  boost::system::error_code error;
  asio::write(socket, asio::buffer(bytes), error);
  if (error == asio::error::broken_pipe || error == asio::error::connection_reset) return true;
  if (error) throw boost::system::system_error(error, "writing to 127.0.0.1:" + std::to_string(port));
  std::array<char, 4096> sink;
  while (!error) socket.read_some(asio::buffer(sink), error);
  return error == asio::error::eof || error == asio::error::connection_reset;
}

}  // namespace dact::actors::testing
