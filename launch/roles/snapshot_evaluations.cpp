#include "launch/roles/snapshot_evaluations.h"

#include <fmt/format.h>
#include <glog/logging.h>

#include <filesystem>

#include "workers/evaluator/evaluation_messages.h"
#include "workers/evaluator/evaluation_protocol.h"
#include "workers/evaluator/evaluation_setting.h"
#include "workers/evaluator/part_results.h"
#include "workers/evaluator/reconstruction_messages.h"
#include "workers/evaluator/reconstruction_results.h"
#include "workers/job_payload.h"

namespace dact::launch {

namespace evaluator = workers::evaluator;
using Clock = std::chrono::steady_clock;

struct SnapshotEvaluations::Reference {
  evaluator::ReferenceStatistics statistics;
  std::string fingerprint;  // evaluator::reference_fingerprint
};

namespace {

coordinator::EvaluationPlan plan_of(const EvaluationConfig& eval) {
  coordinator::EvaluationPlan plan;
  plan.num_images = eval.num_images;
  plan.part_images = eval.part_images;
  plan.seed_begin = 0;  // every snapshot sees the same seeds, so FD changes only with the model
  plan.max_pending = static_cast<size_t>(eval.max_pending);
  return plan;
}

// Every part of a snapshot's evaluation computes the same way; only the seeds differ.
evaluator::EvaluationJob job_settings(const SnapshotEvaluationsOptions& options, const std::string& snapshot) {
  evaluator::EvaluationJob job;
  job.snapshot_path = snapshot;
  job.ema_std = options.eval.ema_std;
  job.ema_name = options.eval.ema;
  job.sampler = options.eval.sampler;
  job.steps = options.eval.steps;
  job.guidance = options.eval.guidance;
  job.guidance_ramp = options.eval.guidance_ramp;
  job.time_shift = options.eval.time_shift;
  job.edm = options.eval.edm;
  job.mcmc = options.eval.mcmc;
  job.masked = options.eval.masked;
  job.guide_snapshot = options.eval.guide_snapshot;
  job.guide_std = options.eval.guide_std;
  if (!options.eval.guidance_interval.empty()) {
    job.guidance_low = options.eval.guidance_interval[0];
    job.guidance_high = options.eval.guidance_interval[1];
  }
  job.batch = options.eval.batch;
  job.feature_weights = options.feature_weights;
  return job;
}

// An autoencoder's part: the held-out images of the part's range ("seeds" of the plan).
evaluator::ReconstructPart reconstruct_part(const SnapshotEvaluationsOptions& options, const std::string& snapshot,
                                            uint64_t evaluation_id, int64_t nimg,
                                            const coordinator::EvaluationPartSeeds& part) {
  evaluator::ReconstructPart job;
  job.evaluation_id = evaluation_id;
  job.part_index = part.part_index;
  job.nimg = nimg;
  job.job.snapshot_path = snapshot;
  job.job.ema_std = options.eval.ema_std;
  job.job.ema_name = options.eval.ema;
  job.job.held_out_dataset = options.held_out_dataset;
  job.job.index_begin = part.seed_begin;
  job.job.index_end = part.seed_end;
  job.job.batch = options.eval.batch;
  job.job.feature_weights = options.feature_weights;
  return job;
}

}  // namespace

SnapshotEvaluations::SnapshotEvaluations(SnapshotEvaluationsOptions options, storage::RunDirectory run)
    : options_(std::move(options)), run_(std::move(run)), board_(plan_of(options_.eval)) {}

SnapshotEvaluations::~SnapshotEvaluations() = default;

void SnapshotEvaluations::attach(coordinator::Coordinator& coordinator, actors::Actor& actor) {
  coordinator_ = &coordinator;
  actor_ = &actor;
}

bool SnapshotEvaluations::worth_waiting_for() const {
  return measuring_ || !to_measure_.empty() || (board_.pending_count() > 0 && evaluators_ > 0);
}

void SnapshotEvaluations::snapshot_written(int64_t nimg, const std::string& path) {
  const std::string snapshot = std::filesystem::absolute(path).string();
  coordinator::EvaluationBoard::Opened opened = board_.open(nimg, snapshot, Clock::now());
  if (opened.dropped) {
    drop(*opened.dropped, fmt::format("{} evaluations pending (eval.max_pending); the snapshot at {} images is newer",
                                      options_.eval.max_pending, nimg));
  }
  const coordinator::OpenEvaluation& evaluation = *opened.evaluation;
  const uint64_t id = evaluation.id;
  evaluator::EvaluatePart job;
  job.evaluation_id = id;
  job.nimg = nimg;
  job.job = job_settings(options_, snapshot);
  for (const coordinator::EvaluationPartSeeds& part : evaluation.parts) {
    if (!options_.held_out_dataset.empty()) {
      const coordinator::JobId job_id = coordinator_->submit_job(
          evaluator::kReconstructJobType, workers::to_job_bytes(reconstruct_part(options_, snapshot, id, nimg, part)),
          options_.eval.lease_timeout_s);
      board_.bind_job(id, part.part_index, job_id);
      continue;
    }
    job.part_index = part.part_index;
    job.job.seed_begin = part.seed_begin;
    job.job.seed_end = part.seed_end;
    const coordinator::JobId job_id = coordinator_->submit_job(
        evaluator::kEvaluateJobType, workers::to_job_bytes(job), options_.eval.lease_timeout_s);
    board_.bind_job(id, part.part_index, job_id);
  }
  LOG(INFO) << "evaluation " << id << " of the snapshot at " << nimg << " images: " << board_.plan().num_images
            << " images in " << board_.pending().at(id).parts.size() << " parts"
            << (evaluators_ == 0 ? " (queued: no evaluator yet)" : "");
}

void SnapshotEvaluations::drop(const coordinator::OpenEvaluation& evaluation, const std::string& why) {
  for (coordinator::JobId job : evaluation.job_ids) coordinator_->cancel_job(job);
  LOG(WARNING) << "evaluation " << evaluation.id << " of the snapshot at " << evaluation.nimg
               << " images dropped: " << why;
  if (on_change_) on_change_();
}

void SnapshotEvaluations::member_joined(const coordinator::Member& member) {
  if (member.role == "evaluator") ++evaluators_;
}

void SnapshotEvaluations::member_lost(const coordinator::Member& member) {
  if (member.role != "evaluator") return;
  --evaluators_;
  if (evaluators_ == 0 && on_change_) on_change_();
}

void SnapshotEvaluations::job_completed(coordinator::JobId job, coordinator::PeerId by,
                                        const actors::Bytes& result) {
  const coordinator::Member* member = coordinator_->members().find(by);
  std::string name = member ? member->name : fmt::format("peer {}", by);
  std::optional<coordinator::FinishedEvaluation> finished =
      board_.accept(job, result, std::move(name), Clock::now());
  if (finished) finish(std::move(*finished));
}

const SnapshotEvaluations::Reference& SnapshotEvaluations::reference() {
  if (!reference_) {
    evaluator::ReferenceStatistics statistics = evaluator::read_reference_statistics(options_.reference);
    std::string fingerprint = evaluator::reference_fingerprint(statistics);
    reference_ = std::make_unique<Reference>(Reference{std::move(statistics), std::move(fingerprint)});
  }
  return *reference_;
}

void SnapshotEvaluations::finish(coordinator::FinishedEvaluation finished) {
  to_measure_.push_back(std::move(finished));
  measure_next();
}

void SnapshotEvaluations::measure_next() {
  if (measuring_ || to_measure_.empty()) return;
  measuring_ = true;
  auto finished = std::make_shared<coordinator::FinishedEvaluation>(std::move(to_measure_.front()));
  to_measure_.pop_front();
  measurer_.submit([this, finished] {
    write_metrics(*finished);
    actor_->post([this] {
      measuring_ = false;
      measure_next();
      if (on_change_) on_change_();
    });
  });
}

void SnapshotEvaluations::write_metrics(const coordinator::FinishedEvaluation& finished) {
  nlohmann::json line;
  try {
    const bool reconstructed = !options_.held_out_dataset.empty();
    const evaluator::MeasuredEvaluation measured =
        reconstructed ? evaluator::measure_reconstruction_parts(finished.results, reference().statistics)
                      : evaluator::measure_parts(finished.results, reference().statistics);
    // kimg as a number that may be fractional (two snapshots of one kimg stay apart); nimg exact.
    line = {{"kimg", static_cast<double>(finished.nimg) / 1000},
            {"nimg", finished.nimg},
            {"snapshot", finished.snapshot_path}};
    if (reconstructed) {
      line["reconstructed"] = options_.held_out_dataset;
      line["ema_std"] = options_.eval.ema_std;
      if (!options_.eval.ema.empty()) line["ema"] = options_.eval.ema;  // a classic track: ema_std does not apply
      line.update(measured.metrics);
    } else {
      evaluator::EvaluationJob job = job_settings(options_, finished.snapshot_path);
      job.seed_begin = plan_of(options_.eval).seed_begin;
      job.seed_end = job.seed_begin + options_.eval.num_images;
      line["setting"] = evaluator::evaluation_setting(
          job, *options_.model,
          {options_.eval.protocol, measured.metrics.at("feature_net").get<std::string>(), reference().fingerprint});
      line.update(evaluator::named_by_protocol(measured.metrics, options_.eval.protocol));
    }
    line["seconds"] = measured.seconds;
    line["wall_s"] = finished.wall_s;
    line["evaluators"] = finished.evaluators;
    storage::append_json_line(run_.metrics_path(), line.dump());
  } catch (const std::exception& error) {
    LOG(ERROR) << "evaluation " << finished.id << " of the snapshot at " << finished.nimg
               << " images failed: " << error.what();
    return;
  }
  LOG(INFO) << "metrics " << line.dump();
}

}  // namespace dact::launch
