#pragma once
// One HTTP GET with a deadline (Boost.Beast): what `dact status` asks a live run.
#include <optional>
#include <string>

#include "launch/host_port.h"

namespace dact::launch {

// The body of a 200 answer; nullopt when nobody answers in time or the answer is not 200.
std::optional<std::string> http_get(const HostPort& address, const std::string& target, double timeout_s);

}  // namespace dact::launch
