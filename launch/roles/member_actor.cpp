#include "launch/roles/member_actor.h"

#include "actors/mpi_transport.h"
#include "coordinator/coordinator_errors.h"

namespace dact::launch {
namespace {

coordinator::MemberOptions member_options(const RoleContext& context, std::vector<std::string> job_types) {
  coordinator::MemberOptions options;
  options.config_hash = context.config_hash_u64();
  options.job_types = std::move(job_types);
  return options;
}

actors::Actor& with_mpi_transport(actors::Actor& actor) {
  actor.add_transport(std::make_unique<actors::MpiTransport>());
  return actor;
}

}  // namespace

MemberActor::MemberActor(const RoleContext& context, std::vector<std::string> job_types)
    : actor(context.actor_options()),
      session(with_mpi_transport(actor), member_options(context, std::move(job_types))) {
  actor.monitor(0);  // the coordinator: its loss ends this member too
  actor.on_peer_down([this](actors::PeerId peer, const std::string& reason) {
    if (peer == 0) throw coordinator::CoordinatorError("lost the coordinator (rank 0): " + reason);
  });
  session.start();
}

}  // namespace dact::launch
