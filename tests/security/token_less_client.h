// A client without the join token, as an attacker on this machine would be: it opens
// connections to the coordinator's join port on 127.0.0.1 and writes frames or bytes.
// Every call swallows connection errors (the coordinator is expected to close links).
#pragma once

#include <sys/socket.h>

#include <boost/asio.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include "actors/message.h"
#include "coordinator/messages.h"
#include "tests/actors/raw_tcp_peer.h"

namespace dact::security_testing {

namespace asio = boost::asio;

template <class M>
std::vector<std::byte> frame_of(const M& message) {
  const actors::Bytes payload = actors::encode_payload(message);
  return actors::testing::raw_frame(M::kTypeId, M::kVersion, payload, payload.size());
}

inline std::vector<std::byte> join_request(const std::string& name) {
  coordinator::JoinRequest join;
  join.token = "not-the-token";
  join.protocol_version = coordinator::kProtocolVersion;
  join.role = "evaluator";
  join.name = name;
  return frame_of(join);
}

class TokenLessClient {
 public:
  explicit TokenLessClient(uint16_t port) : port_(port) {}

  // Connects; false if the coordinator did not accept.
  bool connect(asio::ip::tcp::socket& socket) const {
    boost::system::error_code error;
    socket.connect({asio::ip::make_address("127.0.0.1"), port_}, error);
    return !error;
  }

  // Writes `bytes` on a new connection and waits (at most 5 s) for the coordinator to
  // close it. Returns whether it closed.
  bool send_and_wait_for_close(const std::vector<std::byte>& bytes) const {
    return actors::testing::link_closed_after_sending(port_, bytes);
  }

  // Writes `bytes` and then up to filler_bytes more of zeros (the payload a huge header
  // promised) on one connection, until the far side stops reading or closes.
  void send_with_filler(const std::vector<std::byte>& bytes, size_t filler_bytes) {
    asio::ip::tcp::socket socket(io_);
    if (!connect(socket)) return;
    boost::system::error_code error;
    asio::write(socket, asio::buffer(bytes), error);
    const std::vector<std::byte> chunk(1 << 20);
    timeval timeout{2, 0};  // a reader that stopped reading blocks the write: give up then
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    for (size_t sent = 0; !error && sent < filler_bytes; sent += chunk.size()) {
      asio::write(socket, asio::buffer(chunk), error);
    }
  }

  // Writes `bytes` and closes at once.
  void send_and_close(const std::vector<std::byte>& bytes) {
    asio::ip::tcp::socket socket(io_);
    if (!connect(socket)) return;
    boost::system::error_code error;
    asio::write(socket, asio::buffer(bytes), error);
  }

  asio::io_context& io() { return io_; }

 private:
  uint16_t port_;
  asio::io_context io_;
};

}  // namespace dact::security_testing
