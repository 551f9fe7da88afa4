#include "coordinator/evaluation_board.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace dact::coordinator {

std::vector<EvaluationPartSeeds> split_into_parts(const EvaluationPlan& plan) {
  if (plan.num_images < 1 || plan.part_images < 1) {
    throw std::invalid_argument("an evaluation needs num_images >= 1 and part_images >= 1 (got " +
                                std::to_string(plan.num_images) + " and " +
                                std::to_string(plan.part_images) + ")");
  }
  std::vector<EvaluationPartSeeds> parts;
  for (int64_t first = 0; first < plan.num_images; first += plan.part_images) {
    const int64_t last = std::min(first + plan.part_images, plan.num_images);
    parts.push_back({static_cast<int64_t>(parts.size()), plan.seed_begin + first, plan.seed_begin + last});
  }
  return parts;
}

EvaluationBoard::EvaluationBoard(EvaluationPlan plan) : plan_(plan) {
  split_into_parts(plan_);  // validates
  if (plan_.max_pending < 1) throw std::invalid_argument("max_pending must be >= 1");
}

EvaluationBoard::Opened EvaluationBoard::open(int64_t nimg, std::string snapshot_path, SteadyTime now) {
  Opened opened;
  if (open_.size() >= plan_.max_pending) {
    auto oldest = open_.begin();
    for (JobId job : oldest->second.job_ids) part_of_job_.erase(job);
    opened.dropped = std::move(oldest->second);
    open_.erase(oldest);
    ++dropped_;
  }
  const uint64_t id = next_id_++;
  OpenEvaluation& evaluation = open_[id];
  evaluation.id = id;
  evaluation.nimg = nimg;
  evaluation.snapshot_path = std::move(snapshot_path);
  evaluation.parts = split_into_parts(plan_);
  evaluation.job_ids.assign(evaluation.parts.size(), 0);
  evaluation.results.resize(evaluation.parts.size());
  evaluation.evaluators.resize(evaluation.parts.size());
  evaluation.opened_at = now;
  opened.evaluation = &evaluation;
  return opened;
}

void EvaluationBoard::bind_job(uint64_t evaluation_id, int64_t part_index, JobId job) {
  OpenEvaluation& evaluation = open_.at(evaluation_id);
  evaluation.job_ids.at(static_cast<size_t>(part_index)) = job;
  part_of_job_[job] = {evaluation_id, part_index};
}

std::optional<FinishedEvaluation> EvaluationBoard::accept(JobId job, actors::Bytes result,
                                                         std::string evaluator, SteadyTime now) {
  const auto found = part_of_job_.find(job);
  if (found == part_of_job_.end()) return std::nullopt;
  const auto [evaluation_id, part_index] = found->second;
  part_of_job_.erase(found);
  OpenEvaluation& evaluation = open_.at(evaluation_id);
  const size_t part = static_cast<size_t>(part_index);
  evaluation.results[part] = std::move(result);
  evaluation.evaluators[part] = std::move(evaluator);
  for (const auto& part_result : evaluation.results) {
    if (!part_result) return std::nullopt;
  }
  FinishedEvaluation finished;
  finished.id = evaluation.id;
  finished.nimg = evaluation.nimg;
  finished.snapshot_path = evaluation.snapshot_path;
  for (auto& part_result : evaluation.results) finished.results.push_back(std::move(*part_result));
  finished.evaluators = std::move(evaluation.evaluators);
  finished.wall_s = std::chrono::duration<double>(now - evaluation.opened_at).count();
  open_.erase(evaluation_id);
  return finished;
}

}  // namespace dact::coordinator
