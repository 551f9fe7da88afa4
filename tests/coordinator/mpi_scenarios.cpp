// Real multi-process coordinator scenarios, one per CTest test, run as
//   mpirun -np 5 coordinator_mpi_scenarios <scenario>
// Rank 0 runs the Coordinator, ranks 1..4 run MemberSessions over MpiTransport; the
// tcp_member_death scenario also starts TCP members as separate processes
//   coordinator_mpi_scenarios tcp_member <port> <token_file> <hold|work>
// Every process exits non-zero if what it saw differs from what the scenario expects.
#include <glog/logging.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "actors/mpi_session.h"
#include "actors/mpi_transport.h"
#include "actors/tcp_client_transport.h"
#include "actors/tcp_server_transport.h"
#include "coordinator/coordinator.h"
#include "coordinator/join_token.h"
#include "coordinator/member_session.h"

extern char** environ;

using namespace dact;
using namespace dact::coordinator;
using actors::Actor;
using actors::PeerId;

namespace {

constexpr uint64_t kConfigHash = 0xc0ffee;
// Generous: CI runs these 5-rank tests two at a time on 2 cores; deaths in these scenarios
// come from closed TCP links, which are detected at once.
constexpr double kLivenessTimeout_s = 10.0;
int failures = 0;

#define EXPECT_OR_FAIL(condition, ...)                             \
  do {                                                             \
    if (!(condition)) {                                            \
      std::fprintf(stderr, "FAILED %s: ", #condition);             \
      std::fprintf(stderr, __VA_ARGS__);                           \
      std::fprintf(stderr, "\n");                                  \
      ++failures;                                                  \
    }                                                              \
  } while (0)

actors::ActorOptions actor_options() {
  actors::ActorOptions options;
  options.heartbeat_interval_s = 0.2;
  options.liveness_timeout_s = kLivenessTimeout_s;
  return options;
}

// A periodic check on the coordinator's loop (asio timer), for scenario conditions that
// no single observer callback sees.
void every(Actor& actor, double interval_s, std::function<bool()> check_until_true) {
  auto timer = std::make_shared<boost::asio::steady_timer>(actor.io());
  auto tick = std::make_shared<std::function<void()>>();
  *tick = [timer, tick, interval_s, check_until_true]() {
    timer->expires_after(std::chrono::milliseconds(static_cast<int>(interval_s * 1000)));
    timer->async_wait([timer, tick, check_until_true](const boost::system::error_code& error) {
      if (!error && !check_until_true()) (*tick)();
    });
  };
  (*tick)();
}

// ---- members -------------------------------------------------------------------------

int run_rank_member(const std::string& scenario, int rank) {
  Actor actor(actor_options());
  actor.add_transport(std::make_unique<actors::MpiTransport>());
  MemberOptions options;
  options.config_hash = kConfigHash;
  if (scenario == "handshake_refusal" && rank == 3) options.config_hash = kConfigHash + 1;
  if (scenario == "handshake_refusal" && rank == 4) options.protocol_version = kProtocolVersion + 7;
  const bool expect_refusal = scenario == "handshake_refusal" && rank >= 3;
  if (scenario == "shutdown_drain") options.job_types = {"count"};
  if (scenario == "lease_expiry") options.job_types = {"evaluate"};
  MemberSession session(actor, options);
  bool refused = false;
  session.on_refused([&](const std::string& reason) {
    refused = true;
    std::printf("rank %d refused as expected: %s\n", rank, reason.c_str());
    actor.stop();
  });
  RoleAssignment role;
  session.on_role([&](const RoleAssignment& assignment) {
    role = assignment;
    if (scenario == "shutdown_drain") {
      for (int i = 0; i < 300; ++i) session.submit_job("count", {}, 30.0);
    }
  });
  if (scenario == "shutdown_drain") {
    session.on_job([&](const JobLease& lease) { session.finish_job(lease.job_id, {}); });
  }
  if (scenario == "lease_expiry") {
    // Holds a first-attempt lease and answers it only 1.5 s later (after it expired);
    // runs re-leased jobs at once.
    session.on_job([&](const JobLease& lease) {
      if (lease.attempt >= 2) {
        session.finish_job(lease.job_id, {});
        return;
      }
      auto timer = std::make_shared<boost::asio::steady_timer>(actor.io(),
                                                               std::chrono::milliseconds(1500));
      timer->async_wait([&session, timer, job = lease.job_id](const boost::system::error_code& error) {
        if (!error) session.finish_job(job, {});
      });
    });
  }
  session.start();
  actor.run();

  EXPECT_OR_FAIL(refused == expect_refusal, "rank %d refused=%d", rank, refused);
  if (scenario == "roles") {
    static const char* kExpected[] = {"", "data_loader", "trainer", "trainer", "ema"};
    EXPECT_OR_FAIL(role.role == kExpected[rank], "rank %d got role '%s'", rank, role.role.c_str());
    EXPECT_OR_FAIL(rank != 3 || role.role_index == 1, "rank 3 role index %u", role.role_index);
  }
  return failures;
}

int run_tcp_member(uint16_t port, const std::string& token_file, const std::string& mode) {
  Actor actor(actor_options());
  actors::TcpClientOptions client;
  client.port = port;
  actor.add_transport(std::make_unique<actors::TcpClientTransport>(actor.io(), client));
  MemberOptions options;
  options.over_tcp = true;
  options.config_hash = kConfigHash;
  options.join_token = read_token_file(token_file);
  options.role = "evaluator";
  options.name = mode + ":" + std::to_string(getpid());
  options.job_types = {"evaluate"};
  MemberSession session(actor, options);
  session.on_job([&](const JobLease& lease) {
    if (mode == "work") session.finish_job(lease.job_id, {});
    // "hold" keeps the job until it is killed.
  });
  session.start();
  actor.run();
  return 0;
}

// ---- coordinator ---------------------------------------------------------------------

struct ScenarioObserver : CoordinatorObserver {
  std::function<void(const Member&)> joined, lost;
  std::function<void(PeerId, const std::string&)> on_refused;
  std::function<void(const Job&)> leased;
  std::function<void(JobId, PeerId)> completed;
  std::function<void()> ready;
  void member_joined(const Member& m) override { if (joined) joined(m); }
  void member_lost(const Member& m) override { if (lost) lost(m); }
  void refused(PeerId p, const std::string& r) override { if (on_refused) on_refused(p, r); }
  void job_leased(const Job& j) override { if (leased) leased(j); }
  void job_completed(JobId id, PeerId by, const Bytes&) override { if (completed) completed(id, by); }
  void all_ranks_ready() override { if (ready) ready(); }
};

pid_t spawn_tcp_member(const char* self_exe, uint16_t port, const std::string& token_file,
                       const char* mode) {
  const std::string port_text = std::to_string(port);
  const char* argv[] = {self_exe, "tcp_member", port_text.c_str(), token_file.c_str(), mode, nullptr};
  pid_t pid = 0;
  const int error = posix_spawn(&pid, self_exe, nullptr, nullptr, const_cast<char**>(argv), environ);
  if (error != 0) {
    std::fprintf(stderr, "posix_spawn: %s\n", std::strerror(error));
    std::exit(2);
  }
  return pid;
}

int run_coordinator(const std::string& scenario, int world_size, const char* self_exe) {
  Actor actor(actor_options());
  actor.add_transport(std::make_unique<actors::MpiTransport>());
  auto tcp = std::make_unique<actors::TcpServerTransport>(actor.io(), actors::kCoordinatorPeer,
                                                          membership_listener_options("127.0.0.1", 0));
  const uint16_t tcp_port = tcp->port();
  actor.add_transport(std::move(tcp));

  char run_dir_pattern[] = "/tmp/dact_coordinator_mpi_XXXXXX";
  const std::string run_dir = mkdtemp(run_dir_pattern);
  const std::string token_file = run_dir + "/join_token";
  CoordinatorOptions options;
  options.config_hash = kConfigHash;
  options.join_token = generate_join_token();
  options.drain_timeout_s = 10;
  write_token_file(token_file, options.join_token);

  RoleMap roles({{"data_loader", 1}, {"trainer", 2}, {"ema", 1}});
  ScenarioObserver observer;
  Coordinator coordinator(actor, roles, world_size, options, &observer);

  int refusals = 0;
  observer.on_refused = [&](PeerId, const std::string&) {
    if (++refusals == 2 && coordinator.members().alive_count(false) == 2) {
      coordinator.request_shutdown();
    }
  };
  observer.joined = [&](const Member&) {
    if (scenario == "handshake_refusal" && refusals == 2 &&
        coordinator.members().alive_count(false) == 2) {
      coordinator.request_shutdown();
    }
  };

  pid_t holder_pid = 0, rescuer_pid = 0;
  std::chrono::steady_clock::time_point killed_at;
  double death_detected_after_s = -1;
  std::optional<PeerId> completed_by;
  JobId death_job = 0;

  if (scenario == "roles") {
    observer.ready = [&] { coordinator.request_shutdown(); };
  } else if (scenario == "tcp_member_death") {
    observer.ready = [&] {
      death_job = coordinator.submit_job("evaluate", {}, 60.0);
      holder_pid = spawn_tcp_member(self_exe, tcp_port, token_file, "hold");
    };
    observer.leased = [&](const Job& job) {
      const Member* holder = coordinator.members().find(job.holder);
      if (holder && holder->name.rfind("hold:", 0) == 0 && job.attempts == 1) {
        killed_at = std::chrono::steady_clock::now();
        kill(holder_pid, SIGKILL);
      }
    };
    observer.lost = [&](const Member& member) {
      if (member.name.rfind("hold:", 0) != 0) return;
      death_detected_after_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
      rescuer_pid = spawn_tcp_member(self_exe, tcp_port, token_file, "work");
    };
    observer.completed = [&](JobId id, PeerId by) {
      if (id != death_job) return;
      completed_by = by;
      coordinator.request_shutdown();
    };
  } else if (scenario == "lease_expiry") {
    observer.ready = [&] {
      coordinator.submit_job("evaluate", {}, 0.5);
      every(actor, 0.05, [&] {
        if (coordinator.jobs().counters().duplicate_results == 0) return false;
        coordinator.request_shutdown();
        return true;
      });
    };
  } else if (scenario == "shutdown_drain") {
    every(actor, 0.02, [&] {
      if (coordinator.jobs().counters().submitted < 4 * 300) return false;
      coordinator.request_shutdown();
      return true;
    });
  }

  actor.run();

  EXPECT_OR_FAIL(coordinator.state() == CoordinatorState::kStopped, "coordinator did not stop");
  for (const auto& [peer, member] : coordinator.members().all()) {
    if (member.state != MemberState::kAlive) continue;
    EXPECT_OR_FAIL(member.shutdown_acked, "member %d never acked", peer);
    EXPECT_OR_FAIL(member.messages_sent_reported == member.messages_handled_at_ack,
                   "member %d sent %llu, coordinator handled %llu", peer,
                   static_cast<unsigned long long>(member.messages_sent_reported),
                   static_cast<unsigned long long>(member.messages_handled_at_ack));
  }
  const JobQueueCounters& jobs = coordinator.jobs().counters();
  if (scenario == "roles") {
    EXPECT_OR_FAIL(coordinator.members().alive_count(false) == 4, "4 ranks expected");
  } else if (scenario == "handshake_refusal") {
    EXPECT_OR_FAIL(refusals == 2, "refusals %d", refusals);
    EXPECT_OR_FAIL(coordinator.members().alive_count(false) == 2, "2 ranks accepted expected");
  } else if (scenario == "tcp_member_death") {
    int status = 0;
    EXPECT_OR_FAIL(waitpid(holder_pid, &status, 0) == holder_pid && WIFSIGNALED(status) &&
                       WTERMSIG(status) == SIGKILL, "holder not killed by SIGKILL");
    EXPECT_OR_FAIL(rescuer_pid != 0 && waitpid(rescuer_pid, &status, 0) == rescuer_pid &&
                       WIFEXITED(status) && WEXITSTATUS(status) == 0, "rescuer did not exit cleanly");
    EXPECT_OR_FAIL(death_detected_after_s >= 0 && death_detected_after_s <= kLivenessTimeout_s,
                   "death detected after %.3f s", death_detected_after_s);
    EXPECT_OR_FAIL(completed_by && actors::is_tcp_peer(*completed_by), "job not re-run over TCP");
    EXPECT_OR_FAIL(jobs.requeued_after_holder_loss == 1, "requeued %llu",
                   static_cast<unsigned long long>(jobs.requeued_after_holder_loss));
    std::printf("killed TCP member declared dead after %.3f s; job re-run by peer %d\n",
                death_detected_after_s, completed_by.value_or(-1));
  } else if (scenario == "lease_expiry") {
    EXPECT_OR_FAIL(jobs.leases_expired == 1 && jobs.completed == 1 && jobs.duplicate_results == 1,
                   "expired %llu completed %llu duplicates %llu",
                   static_cast<unsigned long long>(jobs.leases_expired),
                   static_cast<unsigned long long>(jobs.completed),
                   static_cast<unsigned long long>(jobs.duplicate_results));
  } else if (scenario == "shutdown_drain") {
    EXPECT_OR_FAIL(jobs.submitted == 1200, "submitted %llu", static_cast<unsigned long long>(jobs.submitted));
    EXPECT_OR_FAIL(coordinator.jobs().leased_count() == 0, "leased jobs left after drain");
    std::printf("drained: %llu jobs completed, %llu left queued\n",
                static_cast<unsigned long long>(jobs.completed),
                static_cast<unsigned long long>(coordinator.jobs().queued_count()));
  }
  std::printf("coordinator scenario %s: %s\n", scenario.c_str(), failures ? "FAILED" : "ok");
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  if (argc == 5 && std::string(argv[1]) == "tcp_member") {
    return run_tcp_member(static_cast<uint16_t>(std::stoi(argv[2])), argv[3], argv[4]);
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s roles|handshake_refusal|tcp_member_death|lease_expiry|shutdown_drain\n", argv[0]);
    return 2;
  }
  actors::MpiSession mpi(argc, argv);
  const std::string scenario = argv[1];
  const int result = mpi.rank() == 0 ? run_coordinator(scenario, mpi.world_size(), argv[0])
                                     : run_rank_member(scenario, mpi.rank());
  return result == 0 ? 0 : 1;
}
