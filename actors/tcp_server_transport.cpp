#include "actors/tcp_server_transport.h"

#include <fmt/format.h>
#include <glog/logging.h>

#include "actors/actor_errors.h"
#include "actors/tcp_listener.h"

namespace dact::actors {

namespace asio = boost::asio;
using asio::ip::tcp;

TcpServerTransport::TcpServerTransport(asio::io_context& io, PeerId self, TcpServerOptions options)
    : self_(self), options_(std::move(options)), acceptor_(io) {
  port_ = listen_on(acceptor_, options_.bind_address, options_.port, "TCP membership");
  LOG(INFO) << "TCP membership listening on " << options_.bind_address << ":" << port_;
  accept_next();
}

TcpServerTransport::~TcpServerTransport() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  // Close handlers erase from connections_, so iterate over a detached copy.
  auto connections = std::move(connections_);
  connections_.clear();
  for (auto& [peer, connection] : connections) connection->close("transport destroyed");
}

void TcpServerTransport::accept_next() {
  acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;
    if (error) {
      LOG(WARNING) << "TCP accept failed: " << error.message();
    } else {
      const PeerId peer = next_peer_++;
      auto connection = std::make_shared<TcpFrameConnection>(std::move(socket), peer,
                                                             options_.limits, counters_);
      connections_[peer] = connection;
      pending_.events.push_back({peer, true, "connected from " + connection->remote()});
      connection->start([this](Envelope envelope) { pending_.envelopes.push_back(std::move(envelope)); },
                        [this, peer](const std::string& reason) {
                          pending_.events.push_back({peer, false, reason});
                          connections_.erase(peer);
                        });
    }
    accept_next();
  });
}

void TcpServerTransport::send(PeerId to, Envelope envelope) {
  if (!reaches(to)) {
    throw TransportError(fmt::format("peer {} is not a TCP member id", to));
  }
  auto it = connections_.find(to);
  if (it == connections_.end()) {
    ++counters_.frames_dropped;
    return;
  }
  envelope.header.sender = self_;
  it->second->send(std::move(envelope));
}

bool TcpServerTransport::poll(std::vector<Envelope>& received, std::vector<LinkEvent>& events) {
  return pending_.drain_into(received, events);
}

bool TcpServerTransport::has_pending_sends() const {
  for (const auto& [peer, connection] : connections_) {
    if (connection->writing()) return true;
  }
  return false;
}

void TcpServerTransport::disconnect(PeerId peer, const std::string& reason) {
  auto it = connections_.find(peer);
  if (it == connections_.end()) return;
  LOG(INFO) << "closing TCP " << it->second->remote() << ": " << reason;
  // Keep a reference: the close handler erases the map entry.
  std::shared_ptr<TcpFrameConnection> connection = it->second;
  connection->close_after_writes(reason);
}

}  // namespace dact::actors
