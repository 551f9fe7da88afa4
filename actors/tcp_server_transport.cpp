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
      warnings_.warn(fmt::format("TCP accept failed: {}", error.message()));
    } else {
      open_link(std::move(socket));
    }
    accept_next();
  });
}

void TcpServerTransport::open_link(tcp::socket socket) {
  if (options_.admission.required && unadmitted_.size() >= options_.max_unadmitted_connections) {
    ++counters_.connections_refused;
    boost::system::error_code ignored;
    const auto remote = socket.remote_endpoint(ignored);
    warnings_.warn(fmt::format("TCP connection from {}:{} closed: {} links already await admission",
                               remote.address().to_string(), remote.port(), unadmitted_.size()));
    socket.close(ignored);
    return;
  }
  const PeerId peer = next_peer_++;
  auto connection = std::make_shared<TcpFrameConnection>(std::move(socket), peer, options_.limits, counters_,
                                                         warnings_, options_.admission);
  connections_[peer] = connection;
  if (!connection->admitted()) unadmitted_.insert(peer);
  pending_.events.push_back({peer, true, "connected from " + connection->remote()});
  connection->start([this](Envelope envelope) { pending_.envelopes.push_back(std::move(envelope)); },
                    [this, peer](const std::string& reason) {
                      pending_.events.push_back({peer, false, reason});
                      connections_.erase(peer);
                      unadmitted_.erase(peer);
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

void TcpServerTransport::admit(PeerId peer, uint64_t max_payload_bytes) {
  auto it = connections_.find(peer);
  if (it == connections_.end()) return;
  unadmitted_.erase(peer);
  it->second->admit(max_payload_bytes);
}

}  // namespace dact::actors
