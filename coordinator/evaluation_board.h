// The coordinator's bookkeeping of snapshot evaluations (no LibTorch, no I/O): each
// snapshot's evaluation is split into FIXED parts of `part_images` consecutive seeds,
// so the split never depends on how many evaluators there are and merging the parts in
// part order gives the same numbers however the parts were run. Results are opaque
// bytes here; the caller decodes and merges them.
//
// At most `max_pending` evaluations are open; opening one more drops the oldest.
// Not thread-safe; the coordinator calls it from its actor loop.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/bytes.h"
#include "coordinator/leased_job_queue.h"

namespace dact::coordinator {

struct EvaluationPlan {
  int64_t num_images = 0;   // images per evaluation, seeds [seed_begin, seed_begin + num_images)
  int64_t part_images = 0;  // images per part (the last part may hold fewer)
  int64_t seed_begin = 0;
  size_t max_pending = 1;
};

struct EvaluationPartSeeds {
  int64_t part_index = 0;
  int64_t seed_begin = 0;
  int64_t seed_end = 0;  // exclusive
};

// The parts of an evaluation of `plan` in part order; throws std::invalid_argument
// unless num_images >= 1 and part_images >= 1.
std::vector<EvaluationPartSeeds> split_into_parts(const EvaluationPlan& plan);

struct OpenEvaluation {
  uint64_t id = 0;
  int64_t nimg = 0;  // the snapshot's training images
  std::string snapshot_path;
  std::vector<EvaluationPartSeeds> parts;
  std::vector<JobId> job_ids;                   // by part; 0 until bind_job
  std::vector<std::optional<actors::Bytes>> results;  // by part
  std::vector<std::string> evaluators;           // by part: who computed it
  SteadyTime opened_at{};
};

struct FinishedEvaluation {
  uint64_t id = 0;
  int64_t nimg = 0;
  std::string snapshot_path;
  std::vector<actors::Bytes> results;  // in part order
  std::vector<std::string> evaluators;  // in part order
  double wall_s = 0;                    // from open to the last part's result
};

class EvaluationBoard {
 public:
  // Throws std::invalid_argument for a plan split_into_parts refuses or max_pending 0.
  explicit EvaluationBoard(EvaluationPlan plan);

  struct Opened {
    const OpenEvaluation* evaluation;            // valid until the next call
    std::optional<OpenEvaluation> dropped;       // the oldest, when max_pending was reached
  };
  // Opens the evaluation of one snapshot; the caller submits one job per part and
  // tells bind_job its id.
  Opened open(int64_t nimg, std::string snapshot_path, SteadyTime now);
  void bind_job(uint64_t evaluation_id, int64_t part_index, JobId job);

  // A job's accepted result (each job's result is accepted once by the job queue).
  // Returns the evaluation when this was its last missing part; nullopt otherwise,
  // also for a job the board does not know (e.g. of a dropped evaluation).
  std::optional<FinishedEvaluation> accept(JobId job, actors::Bytes result, std::string evaluator,
                                           SteadyTime now);

  size_t pending_count() const { return open_.size(); }
  const std::map<uint64_t, OpenEvaluation>& pending() const { return open_; }
  const EvaluationPlan& plan() const { return plan_; }
  uint64_t dropped_count() const { return dropped_; }

 private:
  EvaluationPlan plan_;
  uint64_t next_id_ = 1;
  uint64_t dropped_ = 0;
  std::map<uint64_t, OpenEvaluation> open_;  // by id = by age
  std::map<JobId, std::pair<uint64_t, int64_t>> part_of_job_;
};

}  // namespace dact::coordinator
