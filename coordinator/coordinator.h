// The coordinator (rank 0): assigns roles to MPI ranks through a versioned handshake,
// admits TCP members that present the run's join token, tracks liveness, leases jobs,
// serves the status endpoint and runs the orderly shutdown.
//
// It lives on an Actor and registers that actor's handlers; all of its methods must be
// called on the actor's loop thread (e.g. from handlers, observers or Actor::post).
//
// Authority: the member table is the only source of it. A TCP link is admitted (its frame
// limit lifted to its role's) only by a JoinRequest with the token; every other message
// is handled only from a member allowed to send it (member_holding() gives the checks to
// register handlers with), and anything else is dropped with a rate-limited warning.
//
// Losing an MPI member ends the world: the coordinator logs the rank and role and throws
// WorldMemberLost out of Actor::run(); restarting is the supervisor's job. Losing a TCP
// member only re-queues its leases.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <deque>
#include <map>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/actor.h"
#include "actors/rate_limited_warnings.h"
#include "actors/tcp_server_transport.h"
#include "coordinator/leased_job_queue.h"
#include "coordinator/member_table.h"
#include "coordinator/messages.h"
#include "coordinator/role_map.h"
#include "actors/host_name.h"
#include "coordinator/status_server.h"

namespace dact::coordinator {

struct CoordinatorOptions {
  uint64_t config_hash = 0;
  std::string join_token;  // empty: every TCP join is refused
  // Roles a TCP member may join as, each with the largest frame (payload bytes) it may
  // send once admitted; a join naming another role is refused.
  std::map<std::string, uint64_t> tcp_role_max_payload_bytes = {{"evaluator", uint64_t{256} << 20}};
  StatusServerOptions status;
  double lease_check_interval_s = 0.05;
  // A TCP connection that has not joined by then is closed, so strangers cannot hold
  // sockets open forever.
  double join_timeout_s = 10.0;
  // How long shutdown waits for leased jobs to finish, and then for members' acks.
  double drain_timeout_s = 30.0;
};

// Hooks for the launcher and for tests; every method has an empty default.
class CoordinatorObserver {
 public:
  virtual ~CoordinatorObserver() = default;
  virtual void member_joined(const Member&) {}
  virtual void member_lost(const Member&) {}  // left or declared dead
  virtual void refused(PeerId, const std::string& /*reason*/) {}
  virtual void all_ranks_ready() {}
  virtual void job_leased(const Job&) {}
  virtual void job_requeued(JobId, const std::string& /*why*/) {}
  virtual void job_completed(JobId, PeerId /*by*/, const Bytes& /*result*/) {}
  virtual void shutdown_complete() {}
};

// The TCP listener members join through: a new link may open with a JoinRequest only and
// is read no further until the coordinator admits it as a member.
actors::TcpServerOptions membership_listener_options(std::string bind_address, uint16_t port);

enum class CoordinatorState { kRunning, kDraining, kAwaitingAcks, kStopped };

class Coordinator {
 public:
  // Throws RoleConfigError if `roles` does not fit world_size (MPI ranks incl. rank 0).
  Coordinator(actors::Actor& actor, const RoleMap& roles, int world_size,
              CoordinatorOptions options, CoordinatorObserver* observer = nullptr);
  ~Coordinator();

  JobId submit_job(std::string type, Bytes payload, double lease_timeout_s);
  // Withdraws a queued or leased job (see LeasedJobQueue::cancel); a holder still
  // computing it finishes, and its result is acknowledged as not accepted.
  bool cancel_job(JobId id);
  // Starts the orderly shutdown: no new leases or joins; leased jobs are drained (up to
  // drain_timeout_s); then every member is asked to stop and acks with its sent count;
  // then the actor stops. Queued jobs that were never leased are reported and dropped.
  void request_shutdown();

  CoordinatorState state() const { return state_; }
  const MemberTable& members() const { return members_; }
  const LeasedJobQueue& jobs() const { return jobs_; }
  uint16_t status_port() const { return status_server_ ? status_server_->port() : 0; }
  nlohmann::json status_json() const;

  // Sender checks for Actor::on, answered from the member table at each message: an alive
  // member holding `role` (and role_index, when given), or any alive member.
  actors::SenderCheck member_holding(std::string role, std::optional<int> role_index = std::nullopt) const;
  actors::SenderCheck any_member() const;

 private:
  void handle_rank_hello(const RankHello& hello, PeerId from);
  void handle_join(const JoinRequest& join, PeerId from);
  void handle_job_request(const JobRequest& request, PeerId from);
  void handle_job_result(const JobResult& result, PeerId from);
  void handle_submit(const SubmitJob& submit, PeerId from);
  void handle_leave(PeerId from);
  void handle_shutdown_ack(const ShutdownAck& ack, PeerId from);
  void handle_peer_down(PeerId peer, const std::string& reason);
  void handle_rejected(PeerId peer, const actors::ActorError& error);
  void close_unjoined_connections(actors::SteadyTime now);

  void refuse(PeerId peer, const std::string& reason);
  void lose_member(PeerId peer, MemberState state, const std::string& reason);
  void serve_waiting_members();
  void send_lease(const Job& job);
  void on_tick();
  void schedule_tick();
  void advance_shutdown();
  void finish_shutdown(const std::string& how);

  actors::Actor& actor_;
  std::vector<RankRole> rank_roles_;
  CoordinatorOptions options_;
  CoordinatorObserver default_observer_;
  CoordinatorObserver* observer_;
  MemberTable members_;
  LeasedJobQueue jobs_;
  // Members waiting for a job, oldest first, with the job types they accept.
  std::deque<std::pair<PeerId, std::vector<std::string>>> waiting_;
  std::map<PeerId, actors::SteadyTime> unjoined_since_;  // TCP links not yet members
  std::deque<nlohmann::json> recent_refusals_;
  uint64_t refusals_ = 0;
  actors::RateLimitedWarnings warnings_;  // refusals and dropped messages: peers trigger them
  CoordinatorState state_ = CoordinatorState::kRunning;
  actors::SteadyTime started_at_;
  actors::SteadyTime shutdown_deadline_{};
  boost::asio::steady_timer tick_timer_;
  std::unique_ptr<StatusServer> status_server_;
  const std::string host_ = actors::host_name();  // for the status page
};

}  // namespace dact::coordinator
