#include "actors/tcp_client_transport.h"

#include <fmt/format.h>
#include <glog/logging.h>

#include <algorithm>

#include "actors/actor_errors.h"

namespace dact::actors {

namespace asio = boost::asio;
using asio::ip::tcp;

TcpClientTransport::TcpClientTransport(asio::io_context& io, TcpClientOptions options)
    : io_(io),
      options_(std::move(options)),
      resolver_(io),
      redial_timer_(io),
      redial_delay_s_(options_.reconnect_initial_s) {
  dial();
}

TcpClientTransport::~TcpClientTransport() {
  stopped_ = true;
  redial_timer_.cancel();
  resolver_.cancel();
  if (connection_) connection_->close("transport destroyed");
}

void TcpClientTransport::dial() {
  auto socket = std::make_shared<tcp::socket>(io_);
  std::weak_ptr<bool> alive = alive_;
  resolver_.async_resolve(
      options_.host, std::to_string(options_.port),
      [this, alive, socket](const boost::system::error_code& error,
                            tcp::resolver::results_type endpoints) {
        if (alive.expired() || stopped_) return;
        if (error) {
          LOG(WARNING) << "cannot resolve " << options_.host << ": " << error.message();
          schedule_redial();
          return;
        }
        asio::async_connect(
            *socket, endpoints,
            [this, alive, socket](const boost::system::error_code& connect_error,
                                  const tcp::endpoint&) {
              if (alive.expired() || stopped_) return;
              if (connect_error) {
                VLOG(1) << "connect to " << options_.host << ":" << options_.port
                        << " failed: " << connect_error.message();
                schedule_redial();
                return;
              }
              redial_delay_s_ = options_.reconnect_initial_s;
              connection_ = std::make_shared<TcpFrameConnection>(
                  std::move(*socket), kCoordinatorPeer, options_.limits, counters_, warnings_);
              pending_.events.push_back({kCoordinatorPeer, true,
                                 fmt::format("connected to {}:{}", options_.host, options_.port)});
              connection_->start(
                  [this](Envelope envelope) { pending_.envelopes.push_back(std::move(envelope)); },
                  [this, alive](const std::string& reason) {
                    if (alive.expired()) return;
                    pending_.events.push_back({kCoordinatorPeer, false, reason});
                    schedule_redial();
                  });
            });
      });
}

void TcpClientTransport::schedule_redial() {
  if (stopped_) return;
  redial_timer_.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(
      std::chrono::duration<double>(redial_delay_s_)));
  redial_delay_s_ = std::min(redial_delay_s_ * 2, options_.reconnect_max_s);
  std::weak_ptr<bool> alive = alive_;
  redial_timer_.async_wait([this, alive](const boost::system::error_code& error) {
    if (alive.expired() || stopped_ || error) return;
    dial();
  });
}

void TcpClientTransport::send(PeerId to, Envelope envelope) {
  if (!reaches(to)) {
    throw TransportError(fmt::format("a TCP member only reaches the coordinator, not peer {}", to));
  }
  if (!connected()) {
    ++counters_.frames_dropped;
    return;
  }
  connection_->send(std::move(envelope));
}

bool TcpClientTransport::poll(std::vector<Envelope>& received, std::vector<LinkEvent>& events) {
  return pending_.drain_into(received, events);
}

void TcpClientTransport::disconnect(PeerId, const std::string& reason) {
  stopped_ = true;
  redial_timer_.cancel();
  if (connection_) connection_->close_after_writes(reason);
}

}  // namespace dact::actors
