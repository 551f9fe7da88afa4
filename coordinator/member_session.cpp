#include "coordinator/member_session.h"

#include <glog/logging.h>

#include "actors/host_name.h"
#include "coordinator/coordinator_errors.h"

namespace dact::coordinator {

using actors::kCoordinatorPeer;

MemberSession::MemberSession(actors::Actor& actor, MemberOptions options)
    : actor_(actor), options_(std::move(options)) {
  // Only the coordinator speaks this protocol to a member.
  const actors::SenderCheck coordinator = actors::only_from({kCoordinatorPeer});
  actor_.on<RoleAssignment>(coordinator, [this](const RoleAssignment& assignment, PeerId) {
    admitted_as_member();
    if (on_role_) on_role_(assignment);
    request_job();
  });
  actor_.on<JoinAccepted>(coordinator, [this](const JoinAccepted& accepted, PeerId) {
    admitted_as_member();
    if (on_joined_) on_joined_(accepted.member_id);
    request_job();
  });
  actor_.on<Refused>(coordinator, [this](const Refused& refused, PeerId) {
    admitted_ = false;
    LOG(ERROR) << "coordinator refused this member: " << refused.reason;
    if (!on_refused_) throw MembershipRefused(refused.reason);
    on_refused_(refused.reason);
  });
  actor_.on<JobLease>(coordinator, [this](const JobLease& lease, PeerId) {
    if (on_job_) on_job_(lease);
  });
  actor_.on<JobResultAck>(coordinator, [this](const JobResultAck& ack, PeerId) {
    if (on_result_ack_) on_result_ack_(ack);
    request_job();
  });
  actor_.on<ShutdownRequest>(coordinator, [this](const ShutdownRequest&, PeerId) {
    if (on_shutdown_) on_shutdown_();
    actor_.send(kCoordinatorPeer, ShutdownAck{actor_.sent_count(kCoordinatorPeer)});
    actor_.demonitor(kCoordinatorPeer);
    actor_.stop();
  });
  if (options_.over_tcp) {
    actor_.on_link_up([this](PeerId peer) {
      if (peer == kCoordinatorPeer) send_hello_or_join();
    });
  }
}

void MemberSession::start() {
  if (!options_.over_tcp) send_hello_or_join();
}

void MemberSession::send_hello_or_join() {
  if (options_.over_tcp) {
    JoinRequest join;
    join.token = options_.join_token;
    join.protocol_version = options_.protocol_version;
    join.config_hash = options_.config_hash;
    join.role = options_.role;
    join.name = options_.name;
    join.host = actors::host_name();
    actor_.send(kCoordinatorPeer, join);
  } else {
    RankHello hello;
    hello.protocol_version = options_.protocol_version;
    hello.config_hash = options_.config_hash;
    hello.host = actors::host_name();
    actor_.send(kCoordinatorPeer, hello);
  }
}

void MemberSession::admitted_as_member() {
  admitted_ = true;
  actor_.monitor(kCoordinatorPeer);
}

void MemberSession::request_job() {
  if (options_.job_types.empty() || !on_job_ || !admitted_) return;
  actor_.send(kCoordinatorPeer, JobRequest{options_.job_types});
}

void MemberSession::finish_job(uint64_t job_id, Bytes result) {
  actor_.send(kCoordinatorPeer, JobResult{job_id, std::move(result)});
}

void MemberSession::submit_job(std::string type, Bytes payload, double lease_timeout_s) {
  actor_.send(kCoordinatorPeer, SubmitJob{std::move(type), std::move(payload), lease_timeout_s});
}

void MemberSession::leave() {
  actor_.send(kCoordinatorPeer, LeaveNotice{});
  admitted_ = false;
}

}  // namespace dact::coordinator
