#pragma once
// What a post-hoc EMA sweep evaluates, as `dact ema sweep` writes it for the ranks of its
// MPI world (RUN/sweeps/<name>/plan.json): every (std, guidance) pair of the grid, each
// sampled from its std's reconstructed snapshot with the same settings and seeds, split
// into fixed parts as snapshot evaluations are (coordinator/evaluation_board.h), so the
// table never depends on how many evaluators ran it. Pair p is (stds[p / G],
// guidances[p % G]) with G guidance weights.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "coordinator/evaluation_board.h"
#include "workers/evaluator/evaluation_job_settings.h"

namespace dact::launch {

struct SweepPlan {
  std::vector<double> stds;
  std::vector<double> guidances;
  double at_kimg = 0;  // training time of the reconstructions; 0 = the newest snapshot's
  int64_t num_images = 0;
  int64_t part_images = 0;
  double lease_timeout_s = 600;
  // Settings every part shares (sampler, steps, batch, first seed, feature weights);
  // snapshot_path, ema_std, guidance and the seed range are each part's own.
  workers::evaluator::EvaluationJob job;
  std::vector<std::string> reconstructions;  // by std: the reconstructed snapshot (absolute)

  size_t pair_count() const { return stds.size() * guidances.size(); }
  double std_of(size_t pair) const { return stds.at(pair / guidances.size()); }
  double guidance_of(size_t pair) const { return guidances.at(pair % guidances.size()); }
  std::vector<coordinator::EvaluationPartSeeds> parts() const;
  // The job of one pair (all its seeds), and of one part of it.
  workers::evaluator::EvaluationJob pair_job(size_t pair) const;
  workers::evaluator::EvaluationJob part_job(size_t pair, const coordinator::EvaluationPartSeeds& part) const;
  // Same grid and settings (reconstruction paths aside): a restart may continue it.
  bool same_sweep_as(const SweepPlan& other) const;
};

nlohmann::json to_json(const SweepPlan& plan);
// Throws std::invalid_argument naming the key that is missing or of the wrong type.
SweepPlan sweep_plan_from_json(const nlohmann::json& json);

void write_sweep_plan(const std::string& path, const SweepPlan& plan);  // atomically
// Throws storage::StorageError naming the file when it cannot be read or parsed.
SweepPlan read_sweep_plan(const std::string& path);

}  // namespace dact::launch
