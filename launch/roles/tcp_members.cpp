#include "launch/roles/tcp_members.h"

#include <glog/logging.h>

#include <memory>

#include "actors/tcp_server_transport.h"
#include "coordinator/coordinator.h"
#include "coordinator/join_token.h"
#include "launch/host_port.h"
#include "storage/atomic_file.h"

namespace dact::launch {

uint64_t evaluator_max_payload_bytes(int64_t part_images) {
  constexpr uint64_t kWidestFeatures = 2048;
  constexpr uint64_t kFieldsBytes = 64 * 1024;
  const uint64_t d = kWidestFeatures;
  return 8 * (d + d * d) + 8 * static_cast<uint64_t>(part_images) * d + kFieldsBytes;
}

void listen_for_tcp_members(actors::Actor& actor, const RoleContext& context) {
  const actors::TcpServerOptions options = coordinator::membership_listener_options(
      context.config.run.join_host, static_cast<uint16_t>(context.config.run.join_port));
  auto server = std::make_unique<actors::TcpServerTransport>(actor.io(), actors::kCoordinatorPeer, options);
  const std::string address = published_address(options.bind_address, server->port());
  actor.add_transport(std::move(server));
  storage::write_file_atomically(context.run.root() + "/coordinator_address", address + "\n");
  LOG(INFO) << "coordinator address: " << address << " (join with: dact evaluator --join " << address
            << " --run-dir " << context.run.root() << ")";
}

coordinator::CoordinatorOptions joinable_coordinator_options(const RoleContext& context) {
  coordinator::CoordinatorOptions options;
  options.config_hash = context.config_hash_u64();
  options.join_token = coordinator::generate_join_token();
  coordinator::write_token_file(context.run.root() + "/join_token", options.join_token);
  return options;
}

}  // namespace dact::launch
