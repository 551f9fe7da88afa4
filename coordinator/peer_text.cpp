#include "coordinator/peer_text.h"

#include <nlohmann/json.hpp>

namespace dact::coordinator {

std::string printable_peer_text(const std::string& text, size_t max_bytes) {
  // nlohmann's dump replaces invalid UTF-8 (a multi-byte character cut at max_bytes too).
  const std::string quoted = nlohmann::json(text.substr(0, max_bytes))
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string valid = nlohmann::json::parse(quoted).get<std::string>();
  for (char& c : valid) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = '?';
  }
  return valid;
}

}  // namespace dact::coordinator
