// Opening a listening TCP socket, shared by every server on an actor's io_context.
#pragma once

#include <boost/asio.hpp>

#include <string>

namespace dact::actors {

// Opens, binds (SO_REUSEADDR) and listens on bind_address:port (port 0: the kernel picks);
// returns the bound port. Throws TransportError naming `purpose`, address and port.
uint16_t listen_on(boost::asio::ip::tcp::acceptor& acceptor, const std::string& bind_address,
                   uint16_t port, const char* purpose);

}  // namespace dact::actors
