#include "launch/sweep/sweep_evaluations.h"

#include <fmt/format.h>
#include <glog/logging.h>

#include <cmath>

#include "workers/evaluator/evaluation_messages.h"
#include "workers/evaluator/evaluation_protocol.h"
#include "workers/evaluator/evaluation_setting.h"
#include "workers/evaluator/part_results.h"
#include "workers/job_payload.h"

namespace dact::launch {

namespace evaluator = workers::evaluator;

SweepEvaluations::SweepEvaluations(SweepPlan plan, SweepFiles files, std::string reference,
                                   std::shared_ptr<const models::ModelSpec> model)
    : plan_(std::move(plan)), files_(std::move(files)), reference_path_(std::move(reference)),
      model_(std::move(model)), parts_(plan_.parts()) {}

SweepEvaluations::~SweepEvaluations() = default;

void SweepEvaluations::start(coordinator::Coordinator& coordinator, actors::Actor& actor) {
  coordinator_ = &coordinator;
  actor_ = &actor;
  lines_ = files_.read_table(plan_);
  size_t jobs = 0, stored = 0;
  for (size_t pair = 0; pair < plan_.pair_count(); ++pair) {
    if (lines_.count(pair) > 0) continue;
    OpenPair& open = open_[pair];
    open.results.resize(parts_.size());
    open.evaluators.resize(parts_.size());
    evaluator::EvaluatePart job;
    for (const coordinator::EvaluationPartSeeds& part : parts_) {
      open.results[part.part_index] = files_.stored_part(pair, part.part_index);
      if (open.results[part.part_index]) {
        ++stored;
        continue;
      }
      job.part_index = part.part_index;
      job.nimg = std::llround(plan_.at_kimg * 1000);  // 0: the newest snapshot's time
      job.job = plan_.part_job(pair, part);
      const coordinator::JobId id = coordinator.submit_job(evaluator::kEvaluateJobType, workers::to_job_bytes(job),
                                                           plan_.lease_timeout_s);
      part_of_job_[id] = {pair, part.part_index};
      ++jobs;
    }
  }
  LOG(INFO) << fmt::format("sweep: {} pairs, {} in the table already; {} parts stored, {} to evaluate",
                           plan_.pair_count(), lines_.size(), stored, jobs);
  for (auto& [pair, open] : open_) {
    bool complete = true;
    for (const auto& result : open.results) complete = complete && result.has_value();
    if (complete) to_measure_.push_back(pair);
  }
  measure_next();
  end_when_done();
}

void SweepEvaluations::job_completed(coordinator::JobId job, coordinator::PeerId by, const actors::Bytes& result) {
  const auto found = part_of_job_.find(job);
  if (found == part_of_job_.end()) return;
  const auto [pair, part] = found->second;
  part_of_job_.erase(found);
  const auto message = workers::from_job_bytes<evaluator::EvaluatedPart>(result);
  if (!message.error.empty()) {
    fail(fmt::format("part {} of std {} guidance {} failed: {}", part, plan_.std_of(pair), plan_.guidance_of(pair),
                     message.error));
    return;
  }
  const coordinator::Member* member = coordinator_->members().find(by);
  files_.store_part(pair, part, result);
  part_in(pair, part, result, member ? member->name : fmt::format("peer {}", by));
}

void SweepEvaluations::part_in(size_t pair, int64_t part, actors::Bytes result, std::string evaluator) {
  OpenPair& open = open_.at(pair);
  open.results[part] = std::move(result);
  open.evaluators[part] = std::move(evaluator);
  for (const auto& each : open.results) {
    if (!each) return;
  }
  to_measure_.push_back(pair);
  measure_next();
}

void SweepEvaluations::measure_next() {
  if (measuring_ || to_measure_.empty() || !failure_.empty()) return;
  measuring_ = true;
  const size_t pair = to_measure_.front();
  to_measure_.pop_front();
  auto open = std::make_shared<OpenPair>(std::move(open_.at(pair)));
  open_.erase(pair);
  measurer_.submit([this, pair, open] {
    nlohmann::json line = {{"std", plan_.std_of(pair)}, {"guidance", plan_.guidance_of(pair)}};
    std::string error;
    try {
      if (!reference_) {
        reference_ = std::make_unique<evaluator::ReferenceStatistics>(
            evaluator::read_reference_statistics(reference_path_));
      }
      std::vector<actors::Bytes> results;
      for (auto& result : open->results) results.push_back(std::move(*result));
      const evaluator::MeasuredEvaluation measured = evaluator::measure_parts(results, *reference_);
      line["setting"] = evaluator::evaluation_setting(
          plan_.pair_job(pair), *model_,
          {"", measured.metrics.at("feature_net").get<std::string>(), evaluator::reference_fingerprint(*reference_)});
      line.update(evaluator::named_by_protocol(measured.metrics, ""));
      line["seconds"] = measured.seconds;
      line["evaluators"] = open->evaluators;
    } catch (const std::exception& failure) {
      error = failure.what();
    }
    actor_->post([this, pair, line = std::move(line), error] {
      measuring_ = false;
      if (!error.empty()) {
        fail(fmt::format("std {} guidance {} could not be measured: {}", plan_.std_of(pair), plan_.guidance_of(pair),
                         error));
        return;
      }
      line_measured(pair, line);
    });
  });
}

void SweepEvaluations::line_measured(size_t pair, nlohmann::json line) {
  LOG(INFO) << "sweep " << line.dump();
  lines_[pair] = std::move(line);
  files_.write_table(lines_);
  files_.remove_parts(pair, static_cast<int64_t>(parts_.size()));
  measure_next();
  end_when_done();
}

void SweepEvaluations::fail(const std::string& why) {
  LOG(ERROR) << "sweep: " << why;
  if (failure_.empty()) failure_ = why;
  if (coordinator_->state() == coordinator::CoordinatorState::kRunning) coordinator_->request_shutdown();
}

void SweepEvaluations::end_when_done() {
  if (lines_.size() < plan_.pair_count() || measuring_) return;
  LOG(INFO) << "sweep: all " << plan_.pair_count() << " pairs measured";
  if (coordinator_->state() == coordinator::CoordinatorState::kRunning) coordinator_->request_shutdown();
}

}  // namespace dact::launch
