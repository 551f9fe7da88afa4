// The joining side of TCP membership: one link to the coordinator (PeerId 0), dialled at
// start-up and re-dialled with exponential back-off whenever it drops.
//
// Delivery is at most once across a reconnect: frames queued when the link drops, or sent
// while it is down, are dropped and counted. The coordinator gives every new connection a
// new identity, so the member must join again on each link-up event anyway.
#pragma once

#include <boost/asio.hpp>

#include <memory>
#include <string>

#include "actors/pending_deliveries.h"
#include "actors/tcp_frame_connection.h"

namespace dact::actors {

struct TcpClientOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  double reconnect_initial_s = 0.05;
  double reconnect_max_s = 2.0;
  TcpFrameLimits limits;
};

// Runs on `io` (which the caller's Actor drives); not thread-safe (see Transport).
class TcpClientTransport : public Transport {
 public:
  TcpClientTransport(boost::asio::io_context& io, TcpClientOptions options);
  ~TcpClientTransport() override;

  bool connected() const { return connection_ && connection_->open(); }

  // The coordinator tells a member its id after the join; until then it is kUnknownPeer.
  PeerId self() const override { return kUnknownPeer; }
  bool reaches(PeerId peer) const override { return peer == kCoordinatorPeer; }
  void send(PeerId to, Envelope envelope) override;
  bool poll(std::vector<Envelope>& received, std::vector<LinkEvent>& events) override;
  bool has_pending_sends() const override { return connection_ && connection_->writing(); }
  // Closes the link and stops re-dialling (a member leaving for good).
  void disconnect(PeerId peer, const std::string& reason) override;
  TransportCounters counters() const override { return counters_; }

 private:
  void dial();
  void schedule_redial();

  boost::asio::io_context& io_;
  TcpClientOptions options_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer redial_timer_;
  double redial_delay_s_;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards async callbacks
  std::shared_ptr<TcpFrameConnection> connection_;
  PendingDeliveries pending_;
  TransportCounters counters_;
  RateLimitedWarnings warnings_;
};

}  // namespace dact::actors
