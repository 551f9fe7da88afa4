// Messages between the coordinator and its members (wire layout: messages.cpp).
#pragma once

#include <string>
#include <vector>

#include "actors/message.h"
#include "coordinator/protocol.h"

namespace dact::coordinator {

using actors::ByteReader;
using actors::ByteWriter;
using actors::Bytes;
using actors::PeerId;

// MPI member -> coordinator, first message after start-up.
struct RankHello {
  DACT_ACTOR_MESSAGE(RankHello, message_type::kRankHello, 2, 1)
  uint32_t protocol_version = kProtocolVersion;
  uint64_t config_hash = 0;
  std::string host;  // version 2: for the status page's member table
};

// Coordinator -> MPI member: the handshake passed and this is the member's role.
struct RoleAssignment {
  DACT_ACTOR_MESSAGE(RoleAssignment, message_type::kRoleAssignment, 1, 1)
  std::string role;
  uint32_t role_index = 0;  // 0-based among the members holding the same role
  uint32_t role_count = 0;
};

// Coordinator -> member: handshake or join refused; the member must exit.
struct Refused {
  DACT_ACTOR_MESSAGE(Refused, message_type::kRefused, 1, 1)
  std::string reason;
};

// TCP member -> coordinator, first message on every new connection.
struct JoinRequest {
  DACT_ACTOR_MESSAGE(JoinRequest, message_type::kJoinRequest, 2, 1)
  std::string token;
  uint32_t protocol_version = kProtocolVersion;
  uint64_t config_hash = 0;
  std::string role;
  std::string name;  // for logs and the status page, e.g. "evaluator@host:pid"
  std::string host;  // version 2
};

struct JoinAccepted {
  DACT_ACTOR_MESSAGE(JoinAccepted, message_type::kJoinAccepted, 1, 1)
  int32_t member_id = 0;
};

// Member -> coordinator: leaving on purpose; its leases are re-queued at once.
struct LeaveNotice {
  DACT_ACTOR_MESSAGE(LeaveNotice, message_type::kLeaveNotice, 1, 1)
};

// Member -> coordinator: lease me one job of any of these types when one is available.
struct JobRequest {
  DACT_ACTOR_MESSAGE(JobRequest, message_type::kJobRequest, 1, 1)
  std::vector<std::string> job_types;
};

struct JobLease {
  DACT_ACTOR_MESSAGE(JobLease, message_type::kJobLease, 1, 1)
  uint64_t job_id = 0;
  std::string job_type;
  Bytes payload;
  double lease_timeout_s = 0;
  uint32_t attempt = 0;  // 1 for the first lease of the job
};

struct JobResult {
  DACT_ACTOR_MESSAGE(JobResult, message_type::kJobResult, 1, 1)
  uint64_t job_id = 0;
  Bytes payload;
};

// Coordinator -> member: whether its result was the one accepted (results count once).
struct JobResultAck {
  DACT_ACTOR_MESSAGE(JobResultAck, message_type::kJobResultAck, 1, 1)
  uint64_t job_id = 0;
  bool accepted = false;
};

// Member -> coordinator: queue a job for other members (e.g. "evaluate this snapshot").
struct SubmitJob {
  DACT_ACTOR_MESSAGE(SubmitJob, message_type::kSubmitJob, 1, 1)
  std::string job_type;
  Bytes payload;
  double lease_timeout_s = 0;
};

struct ShutdownRequest {
  DACT_ACTOR_MESSAGE(ShutdownRequest, message_type::kShutdownRequest, 1, 1)
};

// Member -> coordinator, its last message: how many messages it sent to the coordinator
// before this one, so the coordinator can prove none was lost.
struct ShutdownAck {
  DACT_ACTOR_MESSAGE(ShutdownAck, message_type::kShutdownAck, 1, 1)
  uint64_t messages_sent = 0;
};

}  // namespace dact::coordinator
