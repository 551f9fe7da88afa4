// A generic job queue with leases. A job has a type, an opaque payload and a lease
// timeout. A leased job goes back to the queue (ahead of newer jobs) when its lease
// expires or its holder is lost; its result is accepted once, from any member that held a
// lease on it, and every later result is a duplicate.
//
// Pure bookkeeping with caller-supplied time (tests need no sleeps). Not thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/bytes.h"
#include "actors/liveness_tracker.h"
#include "actors/peer_id.h"

namespace dact::coordinator {

using JobId = uint64_t;
using actors::PeerId;
using actors::SteadyTime;

enum class JobState { kQueued, kLeased, kDone, kCancelled };

struct Job {
  JobId id = 0;
  std::string type;
  actors::Bytes payload;  // released once the job is done
  double lease_timeout_s = 0;
  JobState state = JobState::kQueued;
  uint32_t attempts = 0;  // leases granted so far
  PeerId holder = actors::kUnknownPeer;
  SteadyTime lease_expires_at{};
  std::set<PeerId> past_holders;
  PeerId completed_by = actors::kUnknownPeer;
};

enum class ResultOutcome { kAccepted, kDuplicate, kUnknownJob, kNeverLeasedToSender, kCancelled };

struct JobQueueCounters {
  uint64_t submitted = 0;
  uint64_t leases_granted = 0;
  uint64_t completed = 0;
  uint64_t leases_expired = 0;
  uint64_t requeued_after_holder_loss = 0;
  uint64_t duplicate_results = 0;
  uint64_t refused_results = 0;  // unknown job, or from a member that never held it
  uint64_t cancelled = 0;
};

class LeasedJobQueue {
 public:
  // Throws std::invalid_argument for an empty type or a lease timeout <= 0.
  JobId submit(std::string type, actors::Bytes payload, double lease_timeout_s);

  // Leases the oldest queued job whose type is in `types` (all types if empty) to `holder`.
  // The returned job stays owned by the queue; the pointer is valid until the next call.
  const Job* lease(PeerId holder, const std::vector<std::string>& types, SteadyTime now);

  ResultOutcome complete(JobId id, PeerId sender);

  // Withdraws a job that is queued or leased (its submitter no longer wants it): it is
  // never leased again and a later result is answered with kCancelled. Returns false if
  // the job is unknown, done or already cancelled.
  bool cancel(JobId id);

  // Re-queues jobs whose lease ran out; returns their ids.
  std::vector<JobId> expire_leases(SteadyTime now);
  // Re-queues every job leased to `holder` (it died or left); returns their ids.
  std::vector<JobId> release_holder(PeerId holder);

  size_t queued_count() const { return queue_.size(); }
  size_t leased_count() const;
  const Job* find(JobId id) const;
  const JobQueueCounters& counters() const { return counters_; }
  // Counters plus every job that is not done: id, type, state, attempts, holder.
  nlohmann::json status_json(SteadyTime now) const;

 private:
  void requeue(Job& job);

  JobId next_id_ = 1;
  std::map<JobId, Job> jobs_;
  std::deque<JobId> queue_;  // queued job ids, oldest first
  JobQueueCounters counters_;
};

}  // namespace dact::coordinator
