#pragma once
// The coordinator's side of a post-hoc EMA sweep: submits one "evaluate" job per part of
// every (std, guidance) pair not yet in the table, stores each part's result as it comes
// in (sweep_files.h), and when a pair's parts are all in, merges them in part order,
// measures them against the reference statistics and writes the pair's table line. The
// jobs are leased, re-queued when an evaluator is lost, and taken by evaluators of the
// MPI world and ones that join over TCP alike, as a training run's snapshot evaluations
// (launch/roles/snapshot_evaluations.h). When the last pair is measured it asks the
// coordinator to shut the world down.
//
// Runs on the coordinator's actor loop, except the measuring (seconds for d = 2048
// Inception features), which runs on a thread of its own so heartbeats and leases never wait.
#include <deque>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/coordinator.h"
#include "launch/sweep/sweep_files.h"
#include "launch/sweep/sweep_plan.h"
#include "models/family.h"
#include "storage/background_writer.h"
#include "workers/evaluator/reference_statistics.h"

namespace dact::launch {

class SweepEvaluations : public coordinator::CoordinatorObserver {
 public:
  // `reference`: the reference statistics file (absolute); `model`: the run's, for the
  // default sampler and NFE of each line's setting.
  SweepEvaluations(SweepPlan plan, SweepFiles files, std::string reference,
                   std::shared_ptr<const models::ModelSpec> model);
  ~SweepEvaluations() override;

  // On the actor's loop, once the coordinator exists: measures pairs whose parts are all
  // stored and submits the jobs of the missing parts; shuts down at once when nothing is left.
  void start(coordinator::Coordinator& coordinator, actors::Actor& actor);
  // A part that failed on its evaluator, or a pair that could not be measured: the sweep
  // stops and this says why (empty: none failed).
  const std::string& failure() const { return failure_; }

  // CoordinatorObserver
  void job_completed(coordinator::JobId job, coordinator::PeerId by, const actors::Bytes& result) override;

 private:
  struct OpenPair {
    std::vector<std::optional<actors::Bytes>> results;  // by part
    std::vector<std::string> evaluators;                // by part; "" = stored by an earlier sweep
  };
  void part_in(size_t pair, int64_t part, actors::Bytes result, std::string evaluator);
  void measure_next();
  void line_measured(size_t pair, nlohmann::json line);
  void fail(const std::string& why);
  void end_when_done();

  SweepPlan plan_;
  SweepFiles files_;
  std::string reference_path_;
  std::shared_ptr<const models::ModelSpec> model_;
  std::vector<coordinator::EvaluationPartSeeds> parts_;
  coordinator::Coordinator* coordinator_ = nullptr;
  actors::Actor* actor_ = nullptr;
  std::map<size_t, nlohmann::json> lines_;  // the table, by pair
  std::map<size_t, OpenPair> open_;         // pairs not yet measured
  std::map<coordinator::JobId, std::pair<size_t, int64_t>> part_of_job_;
  std::deque<size_t> to_measure_;  // complete pairs, measured one at a time
  bool measuring_ = false;
  std::string failure_;
  std::unique_ptr<workers::evaluator::ReferenceStatistics> reference_;  // measurer_'s thread only
  storage::BackgroundWriter measurer_;  // last: joined before the members it uses go
};

}  // namespace dact::launch
