// The status endpoint: answers every HTTP GET with the JSON the callback returns
// (Boost.Beast, one request per connection). Runs on the caller's io_context, so the
// callback runs on the actor's loop thread and may read actor state without locks.
#pragma once

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

namespace dact::coordinator {

struct StatusServerOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;  // 0: the endpoint is off
};

class StatusServer {
 public:
  using StatusSource = std::function<nlohmann::json()>;
  // Throws actors::TransportError if the port cannot be bound. Does nothing if options.port == 0.
  StatusServer(boost::asio::io_context& io, StatusServerOptions options, StatusSource source);
  ~StatusServer();

  bool enabled() const { return acceptor_.is_open(); }
  uint16_t port() const;

 private:
  void accept_next();

  StatusServerOptions options_;
  std::shared_ptr<StatusSource> source_;  // shared with sessions that outlive a request
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace dact::coordinator
