#pragma once
// The coordinator's evaluation service: turns each SnapshotWritten into an evaluation
// split into fixed parts (coordinator/evaluation_board.h), submits the parts as
// "evaluate" jobs, and when every part is in merges them in part order, measures them
// against the reference statistics and appends one line to RUN/metrics.jsonl. An
// autoencoder's parts reconstruct held-out images instead (held_out_dataset).
//
// It is the Coordinator's observer (job results, evaluators joining and leaving); call
// attach() once the Coordinator exists. Runs on the coordinator's actor loop, except
// the measuring (FD of d = 2048 Inception features takes seconds), which runs one
// evaluation at a time on a thread of its own so heartbeats and leases never wait.
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "coordinator/coordinator.h"
#include "coordinator/evaluation_board.h"
#include "launch/config/run_config.h"
#include "storage/background_writer.h"
#include "storage/run_directory.h"

namespace dact::launch {

struct SnapshotEvaluationsOptions {
  EvaluationConfig eval;
  std::shared_ptr<const models::ModelSpec> model;  // the run's: default sampler and NFE of the setting
  std::string feature_weights;  // absolute
  std::string reference;        // absolute
  // Non-empty: the model is an autoencoder, and each part reconstructs these held-out
  // images ("reconstruct" jobs, workers/evaluator/reconstruction_job.h) instead of
  // sampling; the line adds "psnr". Absolute.
  std::string held_out_dataset;
};

class SnapshotEvaluations : public coordinator::CoordinatorObserver {
 public:
  SnapshotEvaluations(SnapshotEvaluationsOptions options, storage::RunDirectory run);
  ~SnapshotEvaluations() override;

  // `actor` runs the coordinator; measured evaluations are reported back on its loop.
  void attach(coordinator::Coordinator& coordinator, actors::Actor& actor);
  // Called whenever waiting for evaluations may have ended (an evaluation measured or
  // dropped, or the last evaluator left).
  void on_change(std::function<void()> handler) { on_change_ = std::move(handler); }

  void snapshot_written(int64_t nimg, const std::string& path);
  // An evaluation is being measured, or is open and some evaluator is there to finish it.
  bool worth_waiting_for() const;
  size_t pending_count() const { return board_.pending_count(); }
  size_t evaluators() const { return evaluators_; }

  // CoordinatorObserver
  void member_joined(const coordinator::Member& member) override;
  void member_lost(const coordinator::Member& member) override;
  void job_completed(coordinator::JobId job, coordinator::PeerId by, const actors::Bytes& result) override;

 private:
  struct Reference;
  void finish(coordinator::FinishedEvaluation finished);
  void measure_next();
  void write_metrics(const coordinator::FinishedEvaluation& finished);  // on measurer_'s thread
  void drop(const coordinator::OpenEvaluation& evaluation, const std::string& why);
  const Reference& reference();  // read on first use

  SnapshotEvaluationsOptions options_;
  storage::RunDirectory run_;
  coordinator::EvaluationBoard board_;
  coordinator::Coordinator* coordinator_ = nullptr;
  actors::Actor* actor_ = nullptr;
  size_t evaluators_ = 0;
  std::function<void()> on_change_;
  std::unique_ptr<Reference> reference_;  // touched by measurer_'s thread only
  std::deque<coordinator::FinishedEvaluation> to_measure_;
  bool measuring_ = false;
  storage::BackgroundWriter measurer_;  // last: joined before the members it uses go
};

}  // namespace dact::launch
