#include "coordinator/status_server.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <glog/logging.h>

#include <memory>

#include "actors/tcp_listener.h"

namespace dact::coordinator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

// Requests are tiny GETs; anything bigger is refused by the parser.
constexpr size_t kMaxRequestBytes = 8 * 1024;

class StatusSession : public std::enable_shared_from_this<StatusSession> {
 public:
  StatusSession(tcp::socket socket, std::shared_ptr<StatusServer::StatusSource> source)
      : stream_(std::move(socket)), source_(std::move(source)) {}

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
  void respond(beast::error_code read_error) {
    if (read_error) return;  // client went away or sent garbage; nothing to answer
    const auto& request = parser_.get();
    response_.version(request.version());
    response_.keep_alive(false);
    response_.set(http::field::server, "dact-coordinator");
    if (request.method() != http::verb::get) {
      response_.result(http::status::method_not_allowed);
      response_.set(http::field::content_type, "text/plain");
      response_.body() = "only GET is served\n";
    } else {
      response_.result(http::status::ok);
      response_.set(http::field::content_type, "application/json");
      // Peers' text is sanitised where it enters (peer_text.h); replace is the backstop.
      response_.body() = (*source_)().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code, size_t) {
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                      });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<StatusServer::StatusSource> source_;
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

StatusServer::StatusServer(asio::io_context& io, StatusServerOptions options, StatusSource source)
    : options_(std::move(options)),
      source_(std::make_shared<StatusSource>(std::move(source))),
      acceptor_(io) {
  if (options_.port == 0) return;
  actors::listen_on(acceptor_, options_.bind_address, options_.port, "status endpoint");
  LOG(INFO) << "status endpoint on http://" << options_.bind_address << ":" << port() << "/";
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
    if (!error) std::make_shared<StatusSession>(std::move(socket), source_)->start();
    accept_next();
  });
}

}  // namespace dact::coordinator
