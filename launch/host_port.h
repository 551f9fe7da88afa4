#pragma once
// HOST:PORT as the run publishes its listeners (RUN/coordinator_address,
// RUN/status_address) and as users type them: an IPv6 address goes in brackets.
#include <cstdint>
#include <string>

namespace dact::launch {

struct HostPort {
  std::string host;  // without brackets
  uint16_t port = 0;
};

// Throws config::ConfigError naming `where` unless `address` is HOST:PORT, PORT in 1..65535.
HostPort parse_host_port(const std::string& address, const std::string& where);

// Where others reach a listener bound to `bind_address`: bound to every interface, this
// machine's name stands for it.
std::string published_address(const std::string& bind_address, uint16_t port);

}  // namespace dact::launch
