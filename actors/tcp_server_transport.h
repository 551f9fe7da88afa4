// The listening side of TCP membership (the coordinator): accepts connections and gives
// each one a fresh PeerId from kFirstTcpPeerId upward. A connection is only a link; who may
// use it (join token, roles) is decided above, which calls admit() to accept and
// disconnect() to refuse. Until admitted, a link sends one small frame and nothing more,
// and at most max_unadmitted_connections such links are open: memory a stranger can make
// this process hold is bounded by their product.
#pragma once

#include <boost/asio.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "actors/pending_deliveries.h"
#include "actors/tcp_frame_connection.h"

namespace dact::actors {

struct TcpServerOptions {
  std::string bind_address = "127.0.0.1";  // loopback unless configured otherwise
  uint16_t port = 0;                       // 0: the kernel picks one (see port())
  TcpFrameLimits limits;  // max_payload_bytes: until admit() names a limit per link
  TcpAdmission admission{true, std::nullopt};
  // Beyond this many links awaiting admission, new connections are closed at once.
  size_t max_unadmitted_connections = 32;
};

// Runs on `io` (which the caller's Actor drives); not thread-safe (see Transport).
class TcpServerTransport : public Transport {
 public:
  TcpServerTransport(boost::asio::io_context& io, PeerId self, TcpServerOptions options);
  ~TcpServerTransport() override;

  uint16_t port() const { return port_; }

  PeerId self() const override { return self_; }
  bool reaches(PeerId peer) const override { return is_tcp_peer(peer); }
  void send(PeerId to, Envelope envelope) override;
  bool poll(std::vector<Envelope>& received, std::vector<LinkEvent>& events) override;
  bool has_pending_sends() const override;
  // Closes the link after writing what is queued for it, so a refusal reaches the peer.
  void disconnect(PeerId peer, const std::string& reason) override;
  void admit(PeerId peer, uint64_t max_payload_bytes) override;
  TransportCounters counters() const override { return counters_; }

 private:
  void accept_next();
  void open_link(boost::asio::ip::tcp::socket socket);

  PeerId self_;
  TcpServerOptions options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  PeerId next_peer_ = kFirstTcpPeerId;
  std::map<PeerId, std::shared_ptr<TcpFrameConnection>> connections_;
  std::set<PeerId> unadmitted_;
  PendingDeliveries pending_;
  TransportCounters counters_;
  RateLimitedWarnings warnings_;
};

}  // namespace dact::actors
