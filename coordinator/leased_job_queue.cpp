#include "coordinator/leased_job_queue.h"

#include <algorithm>
#include <stdexcept>

namespace dact::coordinator {

JobId LeasedJobQueue::submit(std::string type, actors::Bytes payload, double lease_timeout_s) {
  if (type.empty()) throw std::invalid_argument("job type must not be empty");
  if (!(lease_timeout_s > 0)) {
    throw std::invalid_argument("job '" + type + "': lease timeout must be > 0 s");
  }
  const JobId id = next_id_++;
  Job& job = jobs_[id];
  job.id = id;
  job.type = std::move(type);
  job.payload = std::move(payload);
  job.lease_timeout_s = lease_timeout_s;
  queue_.push_back(id);
  ++counters_.submitted;
  return id;
}

const Job* LeasedJobQueue::lease(PeerId holder, const std::vector<std::string>& types,
                                 SteadyTime now) {
  auto wanted = [&](const Job& job) {
    return types.empty() || std::find(types.begin(), types.end(), job.type) != types.end();
  };
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    Job& job = jobs_.at(*it);
    if (!wanted(job)) continue;
    queue_.erase(it);
    job.state = JobState::kLeased;
    job.holder = holder;
    job.past_holders.insert(holder);
    ++job.attempts;
    job.lease_expires_at = now + std::chrono::duration_cast<SteadyTime::duration>(
                                     std::chrono::duration<double>(job.lease_timeout_s));
    ++counters_.leases_granted;
    return &job;
  }
  return nullptr;
}

ResultOutcome LeasedJobQueue::complete(JobId id, PeerId sender) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) {
    ++counters_.refused_results;
    return ResultOutcome::kUnknownJob;
  }
  Job& job = it->second;
  if (job.past_holders.count(sender) == 0) {
    ++counters_.refused_results;
    return ResultOutcome::kNeverLeasedToSender;
  }
  if (job.state == JobState::kDone) {
    ++counters_.duplicate_results;
    return ResultOutcome::kDuplicate;
  }
  if (job.state == JobState::kCancelled) return ResultOutcome::kCancelled;
  // A late result from an expired lease still counts: the work is done.
  if (job.state == JobState::kQueued) {
    queue_.erase(std::find(queue_.begin(), queue_.end(), id));
  }
  job.state = JobState::kDone;
  job.completed_by = sender;
  job.holder = actors::kUnknownPeer;
  job.payload = actors::Bytes{};
  ++counters_.completed;
  return ResultOutcome::kAccepted;
}

bool LeasedJobQueue::cancel(JobId id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return false;
  Job& job = it->second;
  if (job.state == JobState::kDone || job.state == JobState::kCancelled) return false;
  if (job.state == JobState::kQueued) {
    queue_.erase(std::find(queue_.begin(), queue_.end(), id));
  }
  job.state = JobState::kCancelled;
  job.holder = actors::kUnknownPeer;
  job.payload = actors::Bytes{};
  ++counters_.cancelled;
  return true;
}

void LeasedJobQueue::requeue(Job& job) {
  job.state = JobState::kQueued;
  job.holder = actors::kUnknownPeer;
  // Re-run jobs go first: they are older than anything queued after them.
  auto position = std::lower_bound(queue_.begin(), queue_.end(), job.id);
  queue_.insert(position, job.id);
}

std::vector<JobId> LeasedJobQueue::expire_leases(SteadyTime now) {
  std::vector<JobId> expired;
  for (auto& [id, job] : jobs_) {
    if (job.state == JobState::kLeased && now >= job.lease_expires_at) {
      requeue(job);
      ++counters_.leases_expired;
      expired.push_back(id);
    }
  }
  return expired;
}

std::vector<JobId> LeasedJobQueue::release_holder(PeerId holder) {
  std::vector<JobId> released;
  for (auto& [id, job] : jobs_) {
    if (job.state == JobState::kLeased && job.holder == holder) {
      requeue(job);
      ++counters_.requeued_after_holder_loss;
      released.push_back(id);
    }
  }
  return released;
}

size_t LeasedJobQueue::leased_count() const {
  return static_cast<size_t>(std::count_if(jobs_.begin(), jobs_.end(), [](const auto& entry) {
    return entry.second.state == JobState::kLeased;
  }));
}

const Job* LeasedJobQueue::find(JobId id) const {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

nlohmann::json LeasedJobQueue::status_json(SteadyTime now) const {
  nlohmann::json open_jobs = nlohmann::json::array();
  for (const auto& [id, job] : jobs_) {
    if (job.state == JobState::kDone || job.state == JobState::kCancelled) continue;
    nlohmann::json entry = {{"id", id},
                            {"type", job.type},
                            {"state", job.state == JobState::kLeased ? "leased" : "queued"},
                            {"attempts", job.attempts}};
    if (job.state == JobState::kLeased) {
      entry["holder"] = job.holder;
      entry["lease_remaining_s"] =
          std::chrono::duration<double>(job.lease_expires_at - now).count();
    }
    open_jobs.push_back(std::move(entry));
  }
  return {{"queued", queued_count()},
          {"leased", leased_count()},
          {"submitted", counters_.submitted},
          {"leases_granted", counters_.leases_granted},
          {"completed", counters_.completed},
          {"leases_expired", counters_.leases_expired},
          {"requeued_after_holder_loss", counters_.requeued_after_holder_loss},
          {"duplicate_results", counters_.duplicate_results},
          {"refused_results", counters_.refused_results},
          {"cancelled", counters_.cancelled},
          {"open", std::move(open_jobs)}};
}

}  // namespace dact::coordinator
