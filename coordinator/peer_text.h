// Text a peer chose (a joiner's name and role) is made safe once, where it enters: valid
// UTF-8 (invalid bytes become U+FFFD, so every later JSON dump succeeds), no control
// characters (a name cannot start a forged log line) and at most max_bytes long.
#pragma once

#include <cstddef>
#include <string>

namespace dact::coordinator {

constexpr size_t kMaxPeerTextBytes = 128;

std::string printable_peer_text(const std::string& text, size_t max_bytes = kMaxPeerTextBytes);

}  // namespace dact::coordinator
