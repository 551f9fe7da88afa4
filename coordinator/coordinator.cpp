#include "coordinator/coordinator.h"

#include <fmt/format.h>
#include <glog/logging.h>

#include "coordinator/coordinator_errors.h"
#include "coordinator/join_token.h"
#include "coordinator/peer_text.h"

namespace dact::coordinator {

using actors::is_tcp_peer;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kRecentRefusalsKept = 50;

std::chrono::steady_clock::duration seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(s));
}

const char* to_string(CoordinatorState state) {
  switch (state) {
    case CoordinatorState::kRunning: return "running";
    case CoordinatorState::kDraining: return "draining";
    case CoordinatorState::kAwaitingAcks: return "awaiting_acks";
    case CoordinatorState::kStopped: return "stopped";
  }
  return "unknown";
}

}  // namespace

actors::TcpServerOptions membership_listener_options(std::string bind_address, uint16_t port) {
  actors::TcpServerOptions options;
  options.bind_address = std::move(bind_address);
  options.port = port;
  options.admission = {true, JoinRequest::kTypeId};
  return options;
}

Coordinator::Coordinator(actors::Actor& actor, const RoleMap& roles, int world_size,
                         CoordinatorOptions options, CoordinatorObserver* observer)
    : actor_(actor),
      rank_roles_(roles.assign(world_size)),
      options_(std::move(options)),
      observer_(observer ? observer : &default_observer_),
      started_at_(Clock::now()),
      tick_timer_(actor.io()) {
  actor_.on<RankHello>([this](const RankHello& m, PeerId from) { handle_rank_hello(m, from); });
  actor_.on<JoinRequest>([this](const JoinRequest& m, PeerId from) { handle_join(m, from); });
  actor_.on<JobRequest>(any_member(), [this](const JobRequest& m, PeerId from) { handle_job_request(m, from); });
  actor_.on<JobResult>(any_member(), [this](const JobResult& m, PeerId from) { handle_job_result(m, from); });
  // Jobs come from the run itself (ranks); a joined member only runs them.
  actor_.on<SubmitJob>([this](PeerId from) { return !is_tcp_peer(from) && members_.is_alive_member(from); },
                       [this](const SubmitJob& m, PeerId from) { handle_submit(m, from); });
  actor_.on<LeaveNotice>(any_member(), [this](const LeaveNotice&, PeerId from) { handle_leave(from); });
  actor_.on<ShutdownAck>(any_member(), [this](const ShutdownAck& m, PeerId from) { handle_shutdown_ack(m, from); });
  actor_.on_peer_down([this](PeerId peer, const std::string& reason) { handle_peer_down(peer, reason); });
  actor_.on_rejected([this](PeerId peer, const actors::ActorError& error) { handle_rejected(peer, error); });
  actor_.on_link_up([this](PeerId peer) {
    if (is_tcp_peer(peer)) unjoined_since_[peer] = Clock::now();
  });
  actor_.on_link_down([this](PeerId peer) { unjoined_since_.erase(peer); });
  status_server_ = std::make_unique<StatusServer>(actor_.io(), options_.status,
                                                  [this] { return status_json(); });
  schedule_tick();
  LOG(INFO) << "coordinator: protocol " << kProtocolVersion << ", config hash "
            << fmt::format("{:016x}", options_.config_hash) << ", " << rank_roles_.size() - 1
            << " MPI members expected";
}

Coordinator::~Coordinator() { tick_timer_.cancel(); }

void Coordinator::schedule_tick() {
  tick_timer_.expires_after(seconds(options_.lease_check_interval_s));
  tick_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    on_tick();
    if (state_ != CoordinatorState::kStopped) schedule_tick();
  });
}

void Coordinator::on_tick() {
  close_unjoined_connections(Clock::now());
  for (JobId id : jobs_.expire_leases(Clock::now())) {
    const Job* job = jobs_.find(id);
    const std::string why = fmt::format("lease expired after {} s (attempt {})",
                                        job->lease_timeout_s, job->attempts);
    LOG(WARNING) << "job " << id << " (" << job->type << "): " << why << "; re-queued";
    observer_->job_requeued(id, why);
  }
  serve_waiting_members();
  advance_shutdown();
}

void Coordinator::close_unjoined_connections(actors::SteadyTime now) {
  std::vector<PeerId> overdue;
  for (const auto& [peer, since] : unjoined_since_) {
    if (now - since > seconds(options_.join_timeout_s)) overdue.push_back(peer);
  }
  for (PeerId peer : overdue) {
    refuse(peer, fmt::format("TCP peer {} did not join within {} s", peer, options_.join_timeout_s));
  }
}

void Coordinator::refuse(PeerId peer, const std::string& reason) {
  unjoined_since_.erase(peer);
  ++refusals_;
  warnings_.warn(fmt::format("coordinator refused peer {}: {}", peer, reason));
  recent_refusals_.push_back({{"peer", peer}, {"reason", reason}});
  if (recent_refusals_.size() > kRecentRefusalsKept) recent_refusals_.pop_front();
  observer_->refused(peer, reason);
  actor_.send(peer, Refused{reason});
  if (is_tcp_peer(peer)) actor_.disconnect(peer, reason);
}

actors::SenderCheck Coordinator::member_holding(std::string role, std::optional<int> role_index) const {
  return [this, role = std::move(role), role_index](PeerId sender) {
    const Member* member = members_.find(sender);
    return member != nullptr && member->state == MemberState::kAlive && member->role == role &&
           (!role_index || member->role_index == *role_index);
  };
}

actors::SenderCheck Coordinator::any_member() const {
  return [this](PeerId sender) { return members_.is_alive_member(sender); };
}

void Coordinator::handle_rank_hello(const RankHello& hello, PeerId from) {
  if (is_tcp_peer(from)) {
    refuse(from, "RankHello over TCP; TCP members must send a JoinRequest");
    return;
  }
  if (from <= actors::kCoordinatorPeer || static_cast<size_t>(from) >= rank_roles_.size()) {
    refuse(from, fmt::format("RankHello from rank {}, outside the roles' world of {}", from,
                             rank_roles_.size()));
    return;
  }
  const std::string& role = rank_roles_[static_cast<size_t>(from)].role;
  if (hello.protocol_version != kProtocolVersion) {
    refuse(from, fmt::format("rank {} ({}) speaks protocol {}, coordinator speaks {}", from, role,
                             hello.protocol_version, kProtocolVersion));
    return;
  }
  if (hello.config_hash != options_.config_hash) {
    refuse(from, fmt::format("rank {} ({}) has config hash {:016x}, coordinator has {:016x}", from,
                             role, hello.config_hash, options_.config_hash));
    return;
  }
  if (members_.is_alive_member(from)) {
    refuse(from, fmt::format("rank {} sent a second RankHello", from));
    return;
  }
  const RankRole& assignment = rank_roles_.at(static_cast<size_t>(from));
  Member member;
  member.peer = from;
  member.role = assignment.role;
  member.role_index = assignment.role_index;
  member.name = fmt::format("rank {}", from);
  member.host = printable_peer_text(hello.host);
  const Member& added = members_.add(member);
  actor_.monitor(from);
  actor_.send(from, RoleAssignment{assignment.role, static_cast<uint32_t>(assignment.role_index),
                                   static_cast<uint32_t>(assignment.role_count)});
  LOG(INFO) << "rank " << from << " joined as " << assignment.role << " "
            << assignment.role_index;
  observer_->member_joined(added);
  if (members_.alive_count(false) + 1 == rank_roles_.size()) {
    LOG(INFO) << "all " << rank_roles_.size() << " ranks ready";
    observer_->all_ranks_ready();
  }
}

void Coordinator::handle_join(const JoinRequest& join, PeerId from) {
  if (!is_tcp_peer(from)) {
    refuse(from, fmt::format("JoinRequest from MPI rank {}; ranks use RankHello", from));
    return;
  }
  const std::string name = printable_peer_text(join.name);
  const std::string role = printable_peer_text(join.role);
  const std::string who = fmt::format("TCP peer {} ('{}', role '{}')", from, name, role);
  if (options_.join_token.empty() || !tokens_match(options_.join_token, join.token)) {
    refuse(from, who + ": wrong join token");
    return;
  }
  const auto role_limit = options_.tcp_role_max_payload_bytes.find(join.role);
  if (role_limit == options_.tcp_role_max_payload_bytes.end()) {
    refuse(from, who + ": that role cannot join over TCP");
    return;
  }
  if (join.protocol_version != kProtocolVersion) {
    refuse(from, fmt::format("{}: protocol {}, coordinator speaks {}", who, join.protocol_version,
                             kProtocolVersion));
    return;
  }
  if (join.config_hash != options_.config_hash) {
    refuse(from, fmt::format("{}: config hash {:016x}, coordinator has {:016x}", who,
                             join.config_hash, options_.config_hash));
    return;
  }
  if (state_ != CoordinatorState::kRunning) {
    refuse(from, who + ": the run is shutting down");
    return;
  }
  if (members_.is_alive_member(from)) {
    refuse(from, who + ": joined twice");
    return;
  }
  Member member;
  member.peer = from;
  member.over_tcp = true;
  member.role = role;
  member.name = name;
  member.host = printable_peer_text(join.host);
  const Member& added = members_.add(member);
  unjoined_since_.erase(from);
  actor_.admit(from, role_limit->second);
  actor_.monitor(from);
  actor_.send(from, JoinAccepted{from});
  LOG(INFO) << who << " joined";
  observer_->member_joined(added);
}

void Coordinator::handle_job_request(const JobRequest& request, PeerId from) {
  for (auto& [peer, types] : waiting_) {
    if (peer == from) {
      types = request.job_types;
      return;
    }
  }
  waiting_.emplace_back(from, request.job_types);
  serve_waiting_members();
}

void Coordinator::send_lease(const Job& job) {
  JobLease lease;
  lease.job_id = job.id;
  lease.job_type = job.type;
  lease.payload = job.payload;
  lease.lease_timeout_s = job.lease_timeout_s;
  lease.attempt = job.attempts;
  actor_.send(job.holder, lease);
  VLOG(1) << "job " << job.id << " (" << job.type << ") leased to peer " << job.holder
          << ", attempt " << job.attempts;
  observer_->job_leased(job);
}

void Coordinator::serve_waiting_members() {
  if (state_ != CoordinatorState::kRunning) return;
  for (auto it = waiting_.begin(); it != waiting_.end() && jobs_.queued_count() > 0;) {
    const Job* job = jobs_.lease(it->first, it->second, Clock::now());
    if (job == nullptr) {
      ++it;
      continue;
    }
    it = waiting_.erase(it);
    send_lease(*job);
  }
}

void Coordinator::handle_job_result(const JobResult& result, PeerId from) {
  const ResultOutcome outcome = jobs_.complete(result.job_id, from);
  actor_.send(from, JobResultAck{result.job_id, outcome == ResultOutcome::kAccepted});
  switch (outcome) {
    case ResultOutcome::kAccepted:
      VLOG(1) << "job " << result.job_id << " completed by peer " << from;
      observer_->job_completed(result.job_id, from, result.payload);
      break;
    case ResultOutcome::kDuplicate:
      LOG(INFO) << "job " << result.job_id << ": duplicate result from peer " << from
                << " ignored (already completed by peer "
                << jobs_.find(result.job_id)->completed_by << ")";
      break;
    case ResultOutcome::kUnknownJob:
      warnings_.warn(fmt::format("result for unknown job {} from peer {} dropped", result.job_id, from));
      break;
    case ResultOutcome::kCancelled:
      LOG(INFO) << "job " << result.job_id << ": result from peer " << from
                << " ignored (the job was cancelled)";
      break;
    case ResultOutcome::kNeverLeasedToSender:
      warnings_.warn(fmt::format("result for job {} from peer {}, which never held it, dropped", result.job_id, from));
      break;
  }
  advance_shutdown();
}

void Coordinator::handle_submit(const SubmitJob& submit, PeerId from) {
  try {
    submit_job(submit.job_type, submit.payload, submit.lease_timeout_s);
  } catch (const std::invalid_argument& error) {
    LOG(WARNING) << "job submitted by peer " << from << " refused: " << error.what();
  }
}

JobId Coordinator::submit_job(std::string type, Bytes payload, double lease_timeout_s) {
  const JobId id = jobs_.submit(std::move(type), std::move(payload), lease_timeout_s);
  serve_waiting_members();
  return id;
}

bool Coordinator::cancel_job(JobId id) {
  const bool cancelled = jobs_.cancel(id);
  advance_shutdown();  // a cancelled lease no longer holds up the drain
  return cancelled;
}

void Coordinator::handle_leave(PeerId from) {
  lose_member(from, MemberState::kLeft, "left");
  if (is_tcp_peer(from)) actor_.disconnect(from, "member left");
}

void Coordinator::handle_peer_down(PeerId peer, const std::string& reason) {
  if (!members_.is_alive_member(peer)) return;
  const Member& member = *members_.find(peer);
  if (!member.over_tcp && state_ == CoordinatorState::kRunning) {
    const std::string message = fmt::format("rank {} ({} {}) lost: {}; ending the MPI world", peer,
                                            member.role, member.role_index, reason);
    LOG(ERROR) << message;
    lose_member(peer, MemberState::kDead, reason);
    throw WorldMemberLost(message);
  }
  lose_member(peer, MemberState::kDead, reason);
}

void Coordinator::lose_member(PeerId peer, MemberState state, const std::string& reason) {
  if (!members_.end(peer, state, reason)) return;
  actor_.demonitor(peer);
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    it = it->first == peer ? waiting_.erase(it) : it + 1;
  }
  const Member& member = *members_.find(peer);
  LOG(WARNING) << "member " << peer << " (" << member.role << ", " << member.name << ") "
               << to_string(state) << ": " << reason;
  for (JobId id : jobs_.release_holder(peer)) {
    const std::string why = fmt::format("holder {} {}", peer, to_string(state));
    LOG(WARNING) << "job " << id << ": " << why << "; re-queued";
    observer_->job_requeued(id, why);
  }
  observer_->member_lost(member);
  serve_waiting_members();
  advance_shutdown();
}

void Coordinator::handle_rejected(PeerId peer, const actors::ActorError& error) {
  if (members_.is_alive_member(peer)) {
    warnings_.warn(fmt::format("coordinator: refused message from member {}: {}", peer, error.what()));
    return;
  }
  // A stranger sending something we cannot read gets no second chance.
  refuse(peer, error.what());
}

void Coordinator::request_shutdown() {
  if (state_ != CoordinatorState::kRunning) return;
  state_ = CoordinatorState::kDraining;
  shutdown_deadline_ = Clock::now() + seconds(options_.drain_timeout_s);
  waiting_.clear();
  LOG(INFO) << "shutdown requested: draining " << jobs_.leased_count() << " leased jobs; "
            << jobs_.queued_count() << " queued jobs will not run";
  advance_shutdown();
}

void Coordinator::advance_shutdown() {
  const auto now = Clock::now();
  if (state_ == CoordinatorState::kDraining) {
    const bool drained = jobs_.leased_count() == 0;
    if (!drained && now < shutdown_deadline_) return;
    if (!drained) {
      LOG(WARNING) << "shutdown: " << jobs_.leased_count() << " leased jobs still running after "
                   << options_.drain_timeout_s << " s; stopping anyway";
    }
    state_ = CoordinatorState::kAwaitingAcks;
    shutdown_deadline_ = now + seconds(options_.drain_timeout_s);
    for (PeerId peer : members_.alive_peers()) actor_.send(peer, ShutdownRequest{});
  }
  if (state_ != CoordinatorState::kAwaitingAcks) return;
  bool all_acked = true;
  for (PeerId peer : members_.alive_peers()) all_acked &= members_.find(peer)->shutdown_acked;
  if (all_acked) {
    finish_shutdown("every member acknowledged");
  } else if (now >= shutdown_deadline_) {
    finish_shutdown("ack deadline passed");
  }
}

void Coordinator::handle_shutdown_ack(const ShutdownAck& ack, PeerId from) {
  Member& member = *members_.find(from);
  member.shutdown_acked = true;
  member.messages_sent_reported = ack.messages_sent;
  member.messages_handled_at_ack = actor_.handled_count(from);
  if (member.messages_sent_reported != member.messages_handled_at_ack) {
    LOG(ERROR) << "member " << from << " (" << member.role << ") sent "
               << member.messages_sent_reported << " messages, coordinator handled "
               << member.messages_handled_at_ack;
  }
  // It stops sending heartbeats now; silence after the ack is not death.
  actor_.demonitor(from);
  advance_shutdown();
}

void Coordinator::finish_shutdown(const std::string& how) {
  state_ = CoordinatorState::kStopped;
  for (PeerId peer : members_.alive_peers()) {
    const Member& member = *members_.find(peer);
    if (!member.shutdown_acked) {
      LOG(WARNING) << "shutdown: member " << peer << " (" << member.role << ") never acknowledged";
    }
  }
  LOG(INFO) << "shutdown complete: " << how;
  tick_timer_.cancel();
  observer_->shutdown_complete();
  actor_.stop();
}

nlohmann::json Coordinator::status_json() const {
  const auto now = Clock::now();
  nlohmann::json roles = nlohmann::json::object();
  for (size_t rank = 0; rank < rank_roles_.size(); ++rank) {
    roles[rank_roles_[rank].role].push_back(rank);
  }
  nlohmann::json members = nlohmann::json::array();
  for (const auto& [peer, member] : members_.all()) {
    nlohmann::json entry = {{"peer", peer},
                            {"transport", member.over_tcp ? "tcp" : "mpi"},
                            {"role", member.role},
                            {"role_index", member.role_index},
                            {"name", member.name},
                            {"host", member.host},
                            {"state", to_string(member.state)}};
    if (auto silence = actor_.silence_s(peer)) entry["last_heard_s_ago"] = *silence;
    if (!member.end_reason.empty()) entry["end_reason"] = member.end_reason;
    if (member.shutdown_acked) {
      entry["messages_sent_reported"] = member.messages_sent_reported;
      entry["messages_handled_at_ack"] = member.messages_handled_at_ack;
    }
    members.push_back(std::move(entry));
  }
  const double uptime_s = std::chrono::duration<double>(now - started_at_).count();
  const actors::ActorCounters actor_counters = actor_.counters();
  const actors::TransportCounters transport = actor_.transport_counters();
  return {{"state", to_string(state_)},
          {"protocol_version", kProtocolVersion},
          {"config_hash", fmt::format("{:016x}", options_.config_hash)},
          {"host", host_},
          {"uptime_s", uptime_s},
          {"roles", std::move(roles)},
          {"members", std::move(members)},
          {"jobs", jobs_.status_json(now)},
          {"refusals", refusals_},
          {"recent_refusals", nlohmann::json(recent_refusals_)},
          {"counters",
           {{"messages_sent", actor_counters.messages_sent},
            {"messages_handled", actor_counters.messages_handled},
            {"messages_rejected", actor_counters.messages_rejected},
            {"messages_handled_per_s", uptime_s > 0 ? actor_counters.messages_handled / uptime_s : 0},
            {"peers_declared_dead", actor_counters.peers_declared_dead},
            {"frames_rejected", transport.frames_rejected},
            {"frames_dropped", transport.frames_dropped},
            {"connections_refused", transport.connections_refused},
            {"bytes_sent", transport.bytes_sent},
            {"bytes_received", transport.bytes_received},
            {"bytes_received_per_s", uptime_s > 0 ? transport.bytes_received / uptime_s : 0}}}};
}

}  // namespace dact::coordinator
