#include "coordinator/status_server.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <glog/logging.h>

#include <memory>

#include "actors/host_name.h"
#include "actors/tcp_listener.h"

namespace dact::coordinator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

// Requests are tiny GETs; anything bigger is refused by the parser.
constexpr size_t kMaxRequestBytes = 8 * 1024;

// An IP address, localhost, or this machine's name, with an optional port.
bool is_acceptable_host(std::string host) {
  if (host.empty()) return true;  // HTTP/1.0 clients send none
  if (host.front() == '[') return true;  // an IPv6 literal
  host = host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
  boost::system::error_code not_an_address;
  asio::ip::make_address(host, not_an_address);
  return !not_an_address || host == "localhost" || host == actors::host_name();
}

HttpReply text_reply(unsigned status, std::string text) { return {status, "text/plain; charset=utf-8", std::move(text)}; }

class StatusSession : public std::enable_shared_from_this<StatusSession> {
 public:
  StatusSession(tcp::socket socket, std::shared_ptr<const StatusServer::StatusSource> source,
                std::shared_ptr<const PageSource> pages, std::shared_ptr<int> open_connections)
      : stream_(std::move(socket)),
        source_(std::move(source)),
        pages_(std::move(pages)),
        open_connections_(std::move(open_connections)) {
    ++*open_connections_;
  }
  ~StatusSession() { --*open_connections_; }

  void start() {
    parser_.body_limit(kMaxRequestBytes);
    parser_.header_limit(kMaxRequestBytes);
    stream_.expires_after(std::chrono::seconds(5));
    http::async_read(stream_, buffer_, parser_,
                     [self = shared_from_this()](beast::error_code error, size_t) {
                       self->respond(error);
                     });
  }

 private:
  HttpReply reply_to(const http::request<http::string_body>& request) const {
    if (request.method() != http::verb::get) return text_reply(405, "only GET is served\n");
    if (!is_acceptable_host(std::string(request[http::field::host]))) {
      return text_reply(421, "this endpoint answers requests for its own address only\n");
    }
    const std::string target(request.target());
    const size_t question = target.find('?');
    const std::string path = target.substr(0, question);
    const std::string query = question == std::string::npos ? "" : target.substr(question + 1);
    if (path == "/status") {
      // Peers' text is sanitised where it enters (peer_text.h); replace is the backstop.
      return {200, "application/json", (*source_)().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"};
    }
    if (*pages_) {
      if (std::optional<HttpReply> page = (*pages_)(path, query)) return std::move(*page);
    }
    return text_reply(404, "no such page\n");
  }

  void respond(beast::error_code read_error) {
    if (read_error) return;  // client went away or sent garbage; nothing to answer
    const auto& request = parser_.get();
    HttpReply reply = reply_to(request);
    response_.version(request.version());
    response_.keep_alive(false);
    response_.result(reply.status);
    response_.set(http::field::server, "dact-coordinator");
    response_.set(http::field::content_type, reply.content_type);
    response_.set(http::field::cache_control, "no-store");
    response_.set("X-Content-Type-Options", "nosniff");
    response_.set("Content-Security-Policy",
                  "default-src 'none'; connect-src 'self'; img-src 'self' data:; "
                  "style-src 'unsafe-inline'; script-src 'unsafe-inline'");
    response_.body() = std::move(reply.body);
    response_.prepare_payload();
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code, size_t) {
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                      });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<const StatusServer::StatusSource> source_;
  std::shared_ptr<const PageSource> pages_;
  std::shared_ptr<int> open_connections_;
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

StatusServer::StatusServer(asio::io_context& io, StatusServerOptions options, StatusSource source)
    : options_(std::move(options)),
      source_(std::make_shared<const StatusSource>(std::move(source))),
      pages_(std::make_shared<const PageSource>(options_.pages)),
      open_connections_(std::make_shared<int>(0)),
      acceptor_(io) {
  if (options_.port < 0) return;
  actors::listen_on(acceptor_, options_.bind_address, static_cast<uint16_t>(options_.port), "status endpoint");
  LOG(INFO) << "run page on http://" << options_.bind_address << ":" << port() << "/";
  accept_next();
}

StatusServer::~StatusServer() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

uint16_t StatusServer::port() const {
  boost::system::error_code ignored;
  return enabled() ? acceptor_.local_endpoint(ignored).port() : 0;
}

void StatusServer::accept_next() {
  acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;
    if (!error) {
      if (*open_connections_ >= options_.max_connections) {
        boost::system::error_code ignored;
        socket.close(ignored);  // a flood of connections costs the loop nothing but this
      } else {
        std::make_shared<StatusSession>(std::move(socket), source_, pages_, open_connections_)->start();
      }
    }
    accept_next();
  });
}

}  // namespace dact::coordinator
