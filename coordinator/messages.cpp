#include "coordinator/messages.h"

namespace dact::coordinator {

void RankHello::encode(ByteWriter& out) const {
  out.u32(protocol_version);
  out.u64(config_hash);
  out.string(host);
}
RankHello RankHello::decode(ByteReader& in, uint16_t version) {
  RankHello m;
  m.protocol_version = in.u32();
  m.config_hash = in.u64();
  if (version >= 2) m.host = in.string();
  return m;
}

void RoleAssignment::encode(ByteWriter& out) const {
  out.string(role);
  out.u32(role_index);
  out.u32(role_count);
}
RoleAssignment RoleAssignment::decode(ByteReader& in, uint16_t) {
  RoleAssignment m;
  m.role = in.string();
  m.role_index = in.u32();
  m.role_count = in.u32();
  return m;
}

void Refused::encode(ByteWriter& out) const { out.string(reason); }
Refused Refused::decode(ByteReader& in, uint16_t) { return Refused{in.string()}; }

void JoinRequest::encode(ByteWriter& out) const {
  out.string(token);
  out.u32(protocol_version);
  out.u64(config_hash);
  out.string(role);
  out.string(name);
  out.string(host);
}
JoinRequest JoinRequest::decode(ByteReader& in, uint16_t version) {
  JoinRequest m;
  m.token = in.string();
  m.protocol_version = in.u32();
  m.config_hash = in.u64();
  m.role = in.string();
  m.name = in.string();
  if (version >= 2) m.host = in.string();
  return m;
}

void JoinAccepted::encode(ByteWriter& out) const { out.i32(member_id); }
JoinAccepted JoinAccepted::decode(ByteReader& in, uint16_t) { return JoinAccepted{in.i32()}; }

void LeaveNotice::encode(ByteWriter&) const {}
LeaveNotice LeaveNotice::decode(ByteReader&, uint16_t) { return {}; }

void JobRequest::encode(ByteWriter& out) const { out.string_list(job_types); }
JobRequest JobRequest::decode(ByteReader& in, uint16_t) { return JobRequest{in.string_list()}; }

void JobLease::encode(ByteWriter& out) const {
  out.u64(job_id);
  out.string(job_type);
  out.bytes(payload);
  out.f64(lease_timeout_s);
  out.u32(attempt);
}
JobLease JobLease::decode(ByteReader& in, uint16_t) {
  JobLease m;
  m.job_id = in.u64();
  m.job_type = in.string();
  m.payload = in.bytes();
  m.lease_timeout_s = in.f64();
  m.attempt = in.u32();
  return m;
}

void JobResult::encode(ByteWriter& out) const {
  out.u64(job_id);
  out.bytes(payload);
}
JobResult JobResult::decode(ByteReader& in, uint16_t) {
  JobResult m;
  m.job_id = in.u64();
  m.payload = in.bytes();
  return m;
}

void JobResultAck::encode(ByteWriter& out) const {
  out.u64(job_id);
  out.boolean(accepted);
}
JobResultAck JobResultAck::decode(ByteReader& in, uint16_t) {
  JobResultAck m;
  m.job_id = in.u64();
  m.accepted = in.boolean();
  return m;
}

void SubmitJob::encode(ByteWriter& out) const {
  out.string(job_type);
  out.bytes(payload);
  out.f64(lease_timeout_s);
}
SubmitJob SubmitJob::decode(ByteReader& in, uint16_t) {
  SubmitJob m;
  m.job_type = in.string();
  m.payload = in.bytes();
  m.lease_timeout_s = in.f64();
  return m;
}

void ShutdownRequest::encode(ByteWriter&) const {}
ShutdownRequest ShutdownRequest::decode(ByteReader&, uint16_t) { return {}; }

void ShutdownAck::encode(ByteWriter& out) const { out.u64(messages_sent); }
ShutdownAck ShutdownAck::decode(ByteReader& in, uint16_t) { return ShutdownAck{in.u64()}; }

}  // namespace dact::coordinator
