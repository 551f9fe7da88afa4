#include "launch/roles/role_context.h"

namespace dact::launch {

std::vector<int> RoleContext::ranks_of(const std::string& role) const {
  std::vector<int> found;
  for (int r = 0; r < static_cast<int>(ranks.size()); ++r) {
    if (ranks[r].role == role) found.push_back(r);
  }
  return found;  // assign() numbers role_index in rank order
}

actors::ActorOptions actor_options_of(const RunConfig& config) {
  actors::ActorOptions options;
  options.heartbeat_interval_s = config.run.heartbeat_interval_s;
  options.liveness_timeout_s = config.run.liveness_timeout_s;
  options.backoff.max_wait = std::chrono::microseconds(static_cast<int64_t>(config.run.idle_wait_max_ms * 1000));
  return options;
}

uint64_t RoleContext::config_hash_u64() const { return std::stoull(config_hash, nullptr, 16); }

}  // namespace dact::launch
