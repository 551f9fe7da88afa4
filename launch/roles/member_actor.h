#pragma once
// The actor every non-coordinator rank runs: MPI transport, the coordinator handshake
// (MemberSession) and a clear end: the coordinator's shutdown request stops it.
#include <memory>
#include <string>
#include <vector>

#include "actors/actor.h"
#include "coordinator/member_session.h"
#include "launch/roles/role_context.h"

namespace dact::launch {

struct MemberActor {
  // `job_types`: the coordinator jobs this member runs (MemberSession::on_job).
  explicit MemberActor(const RoleContext& context, std::vector<std::string> job_types = {});
  actors::Actor actor;
  coordinator::MemberSession session;
};

}  // namespace dact::launch
