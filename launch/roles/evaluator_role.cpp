// An evaluator rank inside the MPI world (roles: {evaluator: N}); evaluators that join
// a running run over TCP are launch/roles/joined_evaluator.cpp.
#include "launch/roles/evaluation_jobs.h"
#include "launch/roles/member_actor.h"
#include "workers/evaluator/evaluation_messages.h"
#include "workers/evaluator/reconstruction_messages.h"

namespace dact::launch {

void run_evaluator_role(RoleContext& context) {
  MemberActor member(context, {workers::evaluator::kEvaluateJobType, workers::evaluator::kReconstructJobType});
  serve_evaluation_jobs(member.actor, member.session, context.config.eval.threads);
}

}  // namespace dact::launch
