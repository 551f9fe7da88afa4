// The coordinator's HTTP endpoint (Boost.Beast, one GET per connection): GET /status
// answers with the JSON the status callback returns; other paths go to `pages` (the
// run page and its data). Runs on the caller's io_context, so the callbacks run on the
// actor's loop thread and may read actor state without locks; they must stay cheap.
//
// Only GET is served (405 otherwise); requests above 8 KiB are closed unanswered; at
// most max_connections are open at once (more are closed at accept); a Host header
// naming anything but an IP address, localhost or this machine is refused (421), so a
// web page elsewhere cannot read the run through DNS rebinding.
#pragma once

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace dact::coordinator {

struct HttpReply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// A GET's path and query (without '?') -> a reply, or nullopt for 404.
using PageSource = std::function<std::optional<HttpReply>(const std::string& path, const std::string& query)>;

struct StatusServerOptions {
  std::string bind_address = "127.0.0.1";
  int port = -1;  // -1: off; 0: a free port chosen by the kernel
  PageSource pages;
  int max_connections = 32;
};

class StatusServer {
 public:
  using StatusSource = std::function<nlohmann::json()>;
  // Throws actors::TransportError if the port cannot be bound. Does nothing if options.port < 0.
  StatusServer(boost::asio::io_context& io, StatusServerOptions options, StatusSource source);
  ~StatusServer();

  bool enabled() const { return acceptor_.is_open(); }
  uint16_t port() const;

 private:
  void accept_next();

  StatusServerOptions options_;
  std::shared_ptr<const StatusSource> source_;  // shared with sessions that outlive a request
  std::shared_ptr<const PageSource> pages_;
  std::shared_ptr<int> open_connections_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace dact::coordinator
