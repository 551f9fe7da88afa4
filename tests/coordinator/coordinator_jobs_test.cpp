#include <gtest/gtest.h>

#include <mutex>

#include "tests/coordinator/coordinator_fixture.h"

namespace dact::coordinator::testing {
namespace {

// Records what the coordinator reports, for the test thread to read.
struct RecordingObserver : CoordinatorObserver {
  std::mutex mutex;
  std::map<JobId, PeerId> completed_by;
  std::vector<PeerId> lost;
  std::atomic<int> leases{0};
  std::atomic<bool> shut_down{false};
  void job_leased(const Job&) override { ++leases; }
  void job_completed(JobId id, PeerId by, const Bytes&) override {
    std::lock_guard<std::mutex> lock(mutex);
    completed_by[id] = by;
  }
  void member_lost(const Member& member) override {
    std::lock_guard<std::mutex> lock(mutex);
    lost.push_back(member.peer);
  }
  void shutdown_complete() override { shut_down = true; }
  std::optional<PeerId> completer(JobId id) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = completed_by.find(id);
    return it == completed_by.end() ? std::nullopt : std::optional<PeerId>(it->second);
  }
};

MemberOptions worker_options() {
  MemberOptions options;
  options.job_types = {"evaluate"};
  options.role = "evaluator";
  return options;
}

class CoordinatorJobs : public CoordinatorFixture {
 protected:
  RecordingObserver observer;
};

TEST_F(CoordinatorJobs, ExpiredLeaseIsRerunAndTheLateResultIsADuplicate) {
  start_coordinator(RoleMap({{"evaluator", 2}}), {}, &observer);
  const JobId job = on_coordinator([&] { return coordinator->submit_job("evaluate", {}, 0.2); });
  TestMember& slow = add_rank(1, worker_options());
  std::atomic<uint64_t> held_job{0};
  std::atomic<int> slow_acks_refused{0};
  slow.session->on_job([&](const JobLease& lease) { held_job = lease.job_id; });  // never finishes
  slow.session->on_result_ack([&](const JobResultAck& ack) { slow_acks_refused += !ack.accepted; });
  slow.start();
  ASSERT_TRUE(eventually([&] { return held_job == job; }));

  TestMember& fast = add_rank(2, worker_options());
  std::atomic<uint32_t> fast_attempt{0};
  fast.session->on_job([&](const JobLease& lease) {
    fast_attempt = lease.attempt;
    fast.session->finish_job(lease.job_id, {});
  });
  fast.start();
  ASSERT_TRUE(eventually([&] { return observer.completer(job).has_value(); }));
  EXPECT_EQ(*observer.completer(job), 2);
  EXPECT_EQ(fast_attempt, 2u);

  slow.thread->call([&] { slow.session->finish_job(job, {}); });
  ASSERT_TRUE(eventually([&] { return slow_acks_refused == 1; }));
  const auto counters = on_coordinator([&] { return coordinator->jobs().counters(); });
  EXPECT_EQ(counters.leases_expired, 1u);
  EXPECT_EQ(counters.completed, 1u);
  EXPECT_EQ(counters.duplicate_results, 1u);
}

TEST_F(CoordinatorJobs, JobOfACrashedTcpMemberIsRerunByAnother) {
  start_coordinator(RoleMap({{"trainer", 1}}), {}, &observer);
  const JobId job = on_coordinator([&] { return coordinator->submit_job("evaluate", {}, 60.0); });
  auto doomed = std::make_unique<TestMember*>(&add_tcp_member(worker_options()));
  TestMember& holder = **doomed;
  std::atomic<bool> holding{false};
  holder.session->on_job([&](const JobLease&) { holding = true; });
  holder.start();
  ASSERT_TRUE(eventually([&] { return holding.load(); }));
  const auto crashed_at = std::chrono::steady_clock::now();
  members.back().reset();  // its socket closes as on SIGKILL

  TestMember& rescuer = add_tcp_member(worker_options());
  rescuer.session->on_job([&](const JobLease& lease) { rescuer.session->finish_job(lease.job_id, {}); });
  rescuer.start();
  ASSERT_TRUE(eventually([&] { return observer.completer(job).has_value(); }));
  const double rerun_after_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - crashed_at).count();
  EXPECT_LT(rerun_after_s, 60.0 / 2);  // long before the lease would have expired
  EXPECT_TRUE(actors::is_tcp_peer(*observer.completer(job)));
  EXPECT_EQ(on_coordinator([&] { return coordinator->jobs().counters().requeued_after_holder_loss; }), 1u);
  EXPECT_EQ(on_coordinator([&] { return coordinator_thread->finished(); }), false);  // world lives on
}

TEST_F(CoordinatorJobs, ShutdownDrainsLeasedJobsAndLosesNoMessage) {
  CoordinatorOptions options;
  start_coordinator(RoleMap({{"ema", 1}, {"evaluator", 1}}), options, &observer);
  // Rank 1 floods the coordinator with job submissions; rank 2 holds one job until told
  // to finish, so the shutdown must wait for it.
  TestMember& producer = add_rank(1);
  producer.start();
  TestMember& worker = add_rank(2, worker_options());
  std::atomic<uint64_t> held_job{0};
  worker.session->on_job([&](const JobLease& lease) { held_job = lease.job_id; });
  worker.start();
  constexpr int kSubmissions = 2000;
  producer.thread->call([&] {
    for (int i = 0; i < kSubmissions; ++i) producer.session->submit_job("evaluate", {}, 60.0);
  });
  ASSERT_TRUE(eventually([&] { return held_job != 0; }));
  ASSERT_TRUE(eventually([&] {
    return on_coordinator([&] { return coordinator->jobs().counters().submitted; }) == kSubmissions;
  }));
  on_coordinator([&] { coordinator->request_shutdown(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(observer.shut_down);  // still draining the leased job
  worker.thread->call([&] { worker.session->finish_job(held_job, {}); });
  ASSERT_TRUE(eventually([&] { return observer.shut_down.load(); }));
  coordinator_thread->join();  // the coordinator's actor stopped by itself
  EXPECT_TRUE(observer.completer(held_job).has_value());
  for (PeerId rank : {1, 2}) {
    const Member& member = *coordinator->members().find(rank);
    EXPECT_TRUE(member.shutdown_acked) << rank;
    EXPECT_EQ(member.messages_sent_reported, member.messages_handled_at_ack) << rank;
  }
  EXPECT_GT(coordinator->members().find(1)->messages_handled_at_ack, uint64_t{kSubmissions});
  ASSERT_TRUE(eventually([&] { return producer.thread->finished() && worker.thread->finished(); }));
}

}  // namespace
}  // namespace dact::coordinator::testing
