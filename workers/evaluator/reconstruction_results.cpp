#include "workers/evaluator/reconstruction_results.h"

#include <glog/logging.h>

#include "workers/evaluator/evaluation_metrics.h"
#include "workers/evaluator/reconstruction_messages.h"
#include "workers/job_payload.h"
#include "workers/tensor_bytes.h"

namespace dact::workers::evaluator {

ReconstructionPartEvaluator::ReconstructionPartEvaluator(int threads) : threads_(threads) {}

actors::Bytes ReconstructionPartEvaluator::evaluate(const actors::Bytes& job_payload) {
  at::set_num_threads(threads_);
  EvaluatedPart result;
  try {
    const ReconstructPart message = from_job_bytes<ReconstructPart>(job_payload);
    result.evaluation_id = message.evaluation_id;
    result.part_index = message.part_index;
    if (!features_ || feature_weights_ != message.job.feature_weights) {
      features_ = models::features::load_feature_network(message.job.feature_weights);
      feature_weights_ = message.job.feature_weights;
    }
    if (!held_out_ || held_out_->dir() != message.job.held_out_dataset) {
      held_out_ = std::make_unique<storage::ShardDataset>(message.job.held_out_dataset);
    }
    const ReconstructionPart part = run_reconstruction_part(message.job, *features_, *held_out_);
    EvaluatedPart computed = to_message(part.features);
    storage::NamedTensorMap tensors = tensors_from_bytes(computed.tensors);
    tensors["psnr"] = part.psnr;
    computed.tensors = tensors_to_bytes(tensors);
    computed.evaluation_id = result.evaluation_id;
    computed.part_index = result.part_index;
    result = std::move(computed);
  } catch (const std::exception& error) {
    LOG(ERROR) << "reconstruction part " << result.part_index << " failed: " << error.what();
    result.error = error.what();
  }
  return to_job_bytes(result);
}

MeasuredEvaluation measure_reconstruction_parts(const std::vector<actors::Bytes>& results_in_part_order,
                                                const ReferenceStatistics& reference) {
  std::vector<ReconstructionPart> parts;
  for (const actors::Bytes& bytes : results_in_part_order) {
    const EvaluatedPart message = from_job_bytes<EvaluatedPart>(bytes);
    if (!message.error.empty()) {
      throw std::runtime_error("part " + std::to_string(message.part_index) + ": " + message.error);
    }
    ReconstructionPart part;
    part.features = from_message(message);
    const storage::NamedTensorMap tensors = tensors_from_bytes(message.tensors);
    const auto psnr = tensors.find("psnr");
    if (psnr == tensors.end() || psnr->second.dim() != 1 || psnr->second.size(0) != part.features.images) {
      throw std::invalid_argument("reconstructed part " + std::to_string(message.part_index) +
                                  " lacks tensor 'psnr' of one value per image");
    }
    part.psnr = psnr->second.to(torch::kFloat64);
    parts.push_back(std::move(part));
  }
  const ReconstructionPart merged = merge_reconstruction_parts(parts);
  MeasuredEvaluation measured;
  measured.metrics = metrics_against_reference(merged.features, reference);
  measured.metrics["psnr"] = merged.psnr.mean().item<double>();
  measured.seconds = merged.features.seconds;
  return measured;
}

}  // namespace dact::workers::evaluator
