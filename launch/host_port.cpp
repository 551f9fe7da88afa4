#include "launch/host_port.h"

#include <fmt/format.h>

#include <stdexcept>

#include "actors/host_name.h"
#include "config/config_error.h"

namespace dact::launch {

HostPort parse_host_port(const std::string& address, const std::string& where) {
  const size_t colon = address.rfind(':');
  try {
    if (colon == std::string::npos || colon == 0) throw std::invalid_argument("no HOST:PORT");
    const std::string port_text = address.substr(colon + 1);
    if (port_text.empty() || port_text.find_first_not_of("0123456789") != std::string::npos) {
      throw std::invalid_argument("port");
    }
    const int port = std::stoi(port_text);
    if (port <= 0 || port > 65535) throw std::out_of_range("port");
    std::string host = address.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return {host, static_cast<uint16_t>(port)};
  } catch (const std::exception&) {
    throw config::ConfigError(where + ": '" + address + "' is not HOST:PORT");
  }
}

std::string published_address(const std::string& bind_address, uint16_t port) {
  if (bind_address == "0.0.0.0" || bind_address == "::") return fmt::format("{}:{}", actors::host_name(), port);
  if (bind_address.find(':') != std::string::npos) return fmt::format("[{}]:{}", bind_address, port);
  return fmt::format("{}:{}", bind_address, port);
}

}  // namespace dact::launch
