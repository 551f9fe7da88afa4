#include "workers/evaluator/part_results.h"

#include <glog/logging.h>

#include "workers/evaluator/evaluation_metrics.h"
#include "workers/job_payload.h"
#include "workers/tensor_bytes.h"

namespace dact::workers::evaluator {

EvaluatedPart to_message(const EvaluationPart& part) {
  EvaluatedPart message;
  message.feature_net = part.feature_net;
  message.seed_begin = part.seed_begin;
  message.seed_end = part.seed_end;
  message.count = part.stats.count;
  message.images = part.images;
  message.seconds = part.seconds;
  message.tensors = tensors_to_bytes(
      {{"sum", part.stats.sum}, {"outer_sum", part.stats.outer_sum}, {"features", part.features}});
  return message;
}

EvaluationPart from_message(const EvaluatedPart& message) {
  storage::NamedTensorMap tensors = tensors_from_bytes(message.tensors);
  const std::string where = "evaluated part " + std::to_string(message.part_index);
  for (const char* name : {"sum", "outer_sum", "features"}) {
    if (!tensors.count(name)) throw std::invalid_argument(where + " lacks tensor '" + name + "'");
  }
  const torch::Tensor& sum = tensors.at("sum");
  const torch::Tensor& outer_sum = tensors.at("outer_sum");
  const int64_t dim = sum.dim() == 1 ? sum.size(0) : -1;
  if (dim < 1 || sum.scalar_type() != torch::kFloat64 || outer_sum.scalar_type() != torch::kFloat64 ||
      outer_sum.dim() != 2 || outer_sum.size(0) != dim || outer_sum.size(1) != dim) {
    throw std::invalid_argument(where + ": sum must be float64 [d] and outer_sum float64 [d, d]");
  }
  EvaluationPart part(dim);
  part.feature_net = message.feature_net;
  part.seed_begin = message.seed_begin;
  part.seed_end = message.seed_end;
  part.stats.count = message.count;
  part.stats.sum = sum;
  part.stats.outer_sum = outer_sum;
  part.features = tensors.at("features");
  part.images = message.images;
  part.seconds = message.seconds;
  return part;
}

PartEvaluator::PartEvaluator(int threads) : threads_(threads) {}

actors::Bytes PartEvaluator::evaluate(const actors::Bytes& job_payload) {
  at::set_num_threads(threads_);
  EvaluatedPart result;
  try {
    const EvaluatePart message = from_job_bytes<EvaluatePart>(job_payload);
    result.evaluation_id = message.evaluation_id;
    result.part_index = message.part_index;
    if (!features_ || feature_weights_ != message.job.feature_weights) {
      features_ = models::features::load_feature_network(message.job.feature_weights);
      feature_weights_ = message.job.feature_weights;
    }
    const EvaluationPart part = run_evaluation_part(message.job, *features_);
    EvaluatedPart computed = to_message(part);
    computed.evaluation_id = result.evaluation_id;
    computed.part_index = result.part_index;
    result = std::move(computed);
  } catch (const std::exception& error) {
    LOG(ERROR) << "evaluation part " << result.part_index << " failed: " << error.what();
    result.error = error.what();
  }
  return to_job_bytes(result);
}

MeasuredEvaluation measure_parts(const std::vector<actors::Bytes>& results_in_part_order,
                                 const ReferenceStatistics& reference) {
  std::vector<EvaluationPart> parts;
  for (const actors::Bytes& bytes : results_in_part_order) {
    const EvaluatedPart message = from_job_bytes<EvaluatedPart>(bytes);
    if (!message.error.empty()) {
      throw std::runtime_error("part " + std::to_string(message.part_index) + ": " + message.error);
    }
    parts.push_back(from_message(message));
  }
  const EvaluationPart merged = merge_parts(parts);
  MeasuredEvaluation measured;
  measured.metrics = metrics_against_reference(merged, reference);
  measured.seconds = merged.seconds;
  return measured;
}

}  // namespace dact::workers::evaluator
