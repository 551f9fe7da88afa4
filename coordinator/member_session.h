// The member side of the coordinator protocol, for MPI ranks and TCP members alike:
// handshake (RankHello) or join (JoinRequest, re-sent on every reconnect), job leases and
// results, and the shutdown ack. Lives on an Actor and registers that actor's handlers;
// call its methods on the actor's loop thread. Its handlers accept messages from the
// coordinator (peer 0) only.
//
// A Refused message throws MembershipRefused out of Actor::run() unless on_refused is set.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "actors/actor.h"
#include "coordinator/messages.h"

namespace dact::coordinator {

struct MemberOptions {
  uint64_t config_hash = 0;
  uint32_t protocol_version = kProtocolVersion;
  bool over_tcp = false;
  // TCP members only.
  std::string join_token;
  std::string role;
  std::string name;
  // Job types this member runs; empty means it asks for none.
  std::vector<std::string> job_types;
};

class MemberSession {
 public:
  using JobHandler = std::function<void(const JobLease& lease)>;

  MemberSession(actors::Actor& actor, MemberOptions options);

  // MPI: sends the handshake now. TCP: joins on every link-up of the coordinator link.
  void start();

  void on_role(std::function<void(const RoleAssignment&)> handler) { on_role_ = std::move(handler); }
  void on_joined(std::function<void(PeerId member_id)> handler) { on_joined_ = std::move(handler); }
  void on_refused(std::function<void(const std::string& reason)> handler) {
    on_refused_ = std::move(handler);
  }
  // Called for each lease; the member answers with finish_job (now or later). After each
  // result is acknowledged the session asks for the next job.
  void on_job(JobHandler handler) { on_job_ = std::move(handler); }
  void on_result_ack(std::function<void(const JobResultAck&)> handler) {
    on_result_ack_ = std::move(handler);
  }
  // Called when the coordinator asks to stop, before the ack is sent; the actor stops after.
  void on_shutdown(std::function<void()> handler) { on_shutdown_ = std::move(handler); }

  void finish_job(uint64_t job_id, Bytes result);
  void submit_job(std::string type, Bytes payload, double lease_timeout_s);
  // Tells the coordinator this member leaves; its leases are re-queued at once.
  void leave();

  bool admitted() const { return admitted_; }

 private:
  void send_hello_or_join();
  void admitted_as_member();
  void request_job();

  actors::Actor& actor_;
  MemberOptions options_;
  bool admitted_ = false;
  std::function<void(const RoleAssignment&)> on_role_;
  std::function<void(PeerId)> on_joined_;
  std::function<void(const std::string&)> on_refused_;
  JobHandler on_job_;
  std::function<void(const JobResultAck&)> on_result_ack_;
  std::function<void()> on_shutdown_;
};

}  // namespace dact::coordinator
