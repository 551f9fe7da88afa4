// The listening side of TCP membership (the coordinator): accepts connections and gives
// each one a fresh PeerId from kFirstTcpPeerId upward. A connection is only a link; who may
// use it (join token, roles) is decided above, which calls disconnect() to refuse.
#pragma once

#include <boost/asio.hpp>

#include <map>
#include <memory>
#include <string>

#include "actors/pending_deliveries.h"
#include "actors/tcp_frame_connection.h"

namespace dact::actors {

struct TcpServerOptions {
  std::string bind_address = "127.0.0.1";  // loopback unless configured otherwise
  uint16_t port = 0;                       // 0: the kernel picks one (see port())
  TcpFrameLimits limits;
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
  TransportCounters counters() const override { return counters_; }

 private:
  void accept_next();

  PeerId self_;
  TcpServerOptions options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  PeerId next_peer_ = kFirstTcpPeerId;
  std::map<PeerId, std::shared_ptr<TcpFrameConnection>> connections_;
  PendingDeliveries pending_;
  TransportCounters counters_;
};

}  // namespace dact::actors
