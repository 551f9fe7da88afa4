#pragma once
// The two ends of an "evaluate" job around the evaluation math (evaluation_job.h):
// the evaluator turns a job payload into a result payload, the coordinator turns the
// result payloads of all parts into one set of metrics.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "actors/bytes.h"
#include "models/features/feature_network.h"
#include "workers/evaluator/evaluation_job.h"
#include "workers/evaluator/evaluation_messages.h"
#include "workers/evaluator/reference_statistics.h"

namespace dact::workers::evaluator {

EvaluatedPart to_message(const EvaluationPart& part);
// Throws std::invalid_argument naming the part when its tensors do not fit.
EvaluationPart from_message(const EvaluatedPart& message);

// Evaluator side; keeps the feature network of the last job loaded. Not thread-safe.
class PartEvaluator {
 public:
  // `threads`: LibTorch intra-op threads, set on the thread that calls evaluate()
  // (OpenMP's thread count is per calling thread, so the actor thread's does not carry over).
  explicit PartEvaluator(int threads);
  // An EvaluatePart payload -> an EvaluatedPart payload. Never throws: a part that
  // cannot be computed returns its error (see EvaluatedPart).
  actors::Bytes evaluate(const actors::Bytes& job_payload);

 private:
  int threads_;
  std::string feature_weights_;
  std::unique_ptr<models::features::FeatureNetwork> features_;
};

struct MeasuredEvaluation {
  nlohmann::json metrics;  // metrics_against_reference: fd, kid_*, precision, recall, images, ...
  double seconds = 0;      // compute time summed over parts
};

// Coordinator side: merges the EvaluatedPart payloads of one evaluation in part order
// and measures them. Throws std::runtime_error carrying a part's error, or the
// decoding / merging error.
MeasuredEvaluation measure_parts(const std::vector<actors::Bytes>& results_in_part_order,
                                 const ReferenceStatistics& reference);

}  // namespace dact::workers::evaluator
