#include "actors/tcp_listener.h"

#include <fmt/format.h>

#include "actors/actor_errors.h"

namespace dact::actors {

uint16_t listen_on(boost::asio::ip::tcp::acceptor& acceptor, const std::string& bind_address,
                   uint16_t port, const char* purpose) {
  using boost::asio::ip::tcp;
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(bind_address, error);
  if (error) {
    throw TransportError(fmt::format("{}: bind address '{}': {}", purpose, bind_address,
                                     error.message()));
  }
  const tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(tcp::socket::max_listen_connections, error);
  if (error) {
    throw TransportError(fmt::format("{}: cannot listen on {}:{}: {}", purpose, bind_address, port,
                                     error.message()));
  }
  return acceptor.local_endpoint().port();
}

}  // namespace dact::actors
