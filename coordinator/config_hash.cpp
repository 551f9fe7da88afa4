#include "coordinator/config_hash.h"

#include <xxhash.h>

namespace dact::coordinator {

uint64_t config_hash(const nlohmann::json& config) {
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  const std::string text = config.dump();
  return XXH64(text.data(), text.size(), 0);
}

}  // namespace dact::coordinator
