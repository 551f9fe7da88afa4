#pragma once
// What an evaluator does once it is a member, over MPI or TCP alike: lease "evaluate"
// jobs, compute each on a thread of its own (workers/job_thread.h) while the actor loop
// keeps heartbeating, and return the result; until the coordinator's shutdown stops the
// actor. A part still computing then is finished before this returns.
#include "actors/actor.h"
#include "coordinator/member_session.h"

namespace dact::launch {

// `threads`: LibTorch intra-op threads of the computation (eval.threads).
void serve_evaluation_jobs(actors::Actor& actor, coordinator::MemberSession& session, int threads);

}  // namespace dact::launch
