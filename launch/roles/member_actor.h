#pragma once
// The actor every non-coordinator rank runs: MPI transport, the coordinator handshake
// (MemberSession) and a clear end: the coordinator's shutdown request stops it.
#include <memory>

#include "actors/actor.h"
#include "coordinator/member_session.h"
#include "launch/roles/role_context.h"

namespace dact::launch {

struct MemberActor {
  explicit MemberActor(const RoleContext& context);
  actors::Actor actor;
  coordinator::MemberSession session;
};

}  // namespace dact::launch
