#include "coordinator/leased_job_queue.h"

#include <gtest/gtest.h>

namespace dact::coordinator {
namespace {

using std::chrono::milliseconds;

const SteadyTime t0{};

TEST(LeasedJobQueue, LeasesOldestMatchingJobFirst) {
  LeasedJobQueue queue;
  const JobId eval = queue.submit("evaluate", {}, 1.0);
  const JobId sample = queue.submit("sample", {}, 1.0);
  const JobId eval2 = queue.submit("evaluate", {}, 1.0);
  const Job* job = queue.lease(7, {"sample"}, t0);
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->id, sample);
  EXPECT_EQ(queue.lease(8, {}, t0)->id, eval);
  EXPECT_EQ(queue.lease(9, {"evaluate"}, t0)->id, eval2);
  EXPECT_EQ(queue.lease(9, {}, t0), nullptr);
  EXPECT_EQ(queue.leased_count(), 3u);
}

TEST(LeasedJobQueue, ExpiredLeaseIsRequeuedAheadOfNewerJobs) {
  LeasedJobQueue queue;
  const JobId first = queue.submit("evaluate", {}, 0.5);
  ASSERT_EQ(queue.lease(1, {}, t0)->id, first);
  const JobId second = queue.submit("evaluate", {}, 0.5);
  EXPECT_TRUE(queue.expire_leases(t0 + milliseconds(499)).empty());
  EXPECT_EQ(queue.expire_leases(t0 + milliseconds(500)), std::vector<JobId>{first});
  const Job* rerun = queue.lease(2, {}, t0 + milliseconds(600));
  EXPECT_EQ(rerun->id, first);
  EXPECT_EQ(rerun->attempts, 2u);
  EXPECT_EQ(queue.lease(2, {}, t0 + milliseconds(600))->id, second);
  EXPECT_EQ(queue.counters().leases_expired, 1u);
}

TEST(LeasedJobQueue, ResultIsAcceptedOnceFromAnyHolder) {
  LeasedJobQueue queue;
  const JobId id = queue.submit("evaluate", {}, 0.5);
  queue.lease(1, {}, t0);
  queue.expire_leases(t0 + milliseconds(600));
  queue.lease(2, {}, t0 + milliseconds(700));
  // The first holder finishes late: its work still counts, once.
  EXPECT_EQ(queue.complete(id, 1), ResultOutcome::kAccepted);
  EXPECT_EQ(queue.complete(id, 2), ResultOutcome::kDuplicate);
  EXPECT_EQ(queue.complete(id, 3), ResultOutcome::kNeverLeasedToSender);
  EXPECT_EQ(queue.complete(999, 1), ResultOutcome::kUnknownJob);
  EXPECT_EQ(queue.find(id)->completed_by, 1);
  EXPECT_EQ(queue.leased_count(), 0u);
  EXPECT_EQ(queue.counters().completed, 1u);
  EXPECT_EQ(queue.counters().duplicate_results, 1u);
}

TEST(LeasedJobQueue, LateResultForARequeuedJobRemovesItFromTheQueue) {
  LeasedJobQueue queue;
  const JobId id = queue.submit("evaluate", {}, 0.5);
  queue.lease(1, {}, t0);
  queue.expire_leases(t0 + milliseconds(600));
  EXPECT_EQ(queue.queued_count(), 1u);
  EXPECT_EQ(queue.complete(id, 1), ResultOutcome::kAccepted);
  EXPECT_EQ(queue.queued_count(), 0u);
  EXPECT_EQ(queue.lease(2, {}, t0 + milliseconds(700)), nullptr);
}

TEST(LeasedJobQueue, LostHolderReleasesOnlyItsLeases) {
  LeasedJobQueue queue;
  const JobId a = queue.submit("evaluate", {}, 10);
  const JobId b = queue.submit("evaluate", {}, 10);
  queue.lease(1, {}, t0);
  queue.lease(2, {}, t0);
  EXPECT_EQ(queue.release_holder(1), std::vector<JobId>{a});
  EXPECT_EQ(queue.find(b)->state, JobState::kLeased);
  EXPECT_EQ(queue.lease(3, {}, t0)->id, a);
  EXPECT_EQ(queue.counters().requeued_after_holder_loss, 1u);
}

TEST(LeasedJobQueue, RefusesJobsWithoutTypeOrLease) {
  LeasedJobQueue queue;
  EXPECT_THROW(queue.submit("", {}, 1.0), std::invalid_argument);
  EXPECT_THROW(queue.submit("x", {}, 0.0), std::invalid_argument);
}

TEST(LeasedJobQueue, CancelledJobIsNeverLeasedAndItsResultIsRefused) {
  LeasedJobQueue queue;
  const JobId queued = queue.submit("evaluate", {}, 1.0);
  const JobId leased = queue.submit("evaluate", {}, 1.0);
  const JobId kept = queue.submit("evaluate", {}, 1.0);
  ASSERT_EQ(queue.lease(4, {}, t0)->id, queued);
  ASSERT_EQ(queue.lease(5, {}, t0)->id, leased);
  EXPECT_TRUE(queue.cancel(leased));
  ASSERT_EQ(queue.release_holder(4), std::vector<JobId>{queued});
  EXPECT_TRUE(queue.cancel(queued));
  EXPECT_FALSE(queue.cancel(queued));  // already cancelled
  EXPECT_FALSE(queue.cancel(99));      // unknown
  EXPECT_EQ(queue.queued_count(), 1u);
  EXPECT_EQ(queue.leased_count(), 0u);
  EXPECT_EQ(queue.lease(6, {}, t0)->id, kept);
  EXPECT_EQ(queue.complete(leased, 5), ResultOutcome::kCancelled);
  EXPECT_TRUE(queue.expire_leases(t0 + std::chrono::seconds(10)) == std::vector<JobId>{kept});
  EXPECT_EQ(queue.counters().cancelled, 2u);
  EXPECT_EQ(queue.complete(kept, 6), ResultOutcome::kAccepted);
  EXPECT_FALSE(queue.cancel(kept));  // done
}

}  // namespace
}  // namespace dact::coordinator
