#pragma once
// The two ends of a "reconstruct" job (reconstruction_job.h), as part_results.h is for
// "evaluate" jobs: the evaluator turns a ReconstructPart payload into an EvaluatedPart
// payload carrying the PSNRs too; the coordinator merges the parts of one evaluation
// and measures them.
#include <memory>
#include <string>
#include <vector>

#include "actors/bytes.h"
#include "models/features/feature_network.h"
#include "storage/shard_dataset.h"
#include "workers/evaluator/part_results.h"
#include "workers/evaluator/reconstruction_job.h"

namespace dact::workers::evaluator {

// Evaluator side; keeps the feature network and the held-out dataset of the last job
// open. Not thread-safe.
class ReconstructionPartEvaluator {
 public:
  // `threads`: LibTorch intra-op threads, set on the calling thread (as PartEvaluator).
  explicit ReconstructionPartEvaluator(int threads);
  // A ReconstructPart payload -> an EvaluatedPart payload. Never throws: a part that
  // cannot be computed returns its error.
  actors::Bytes evaluate(const actors::Bytes& job_payload);

 private:
  int threads_;
  std::string feature_weights_;
  std::unique_ptr<models::features::FeatureNetwork> features_;
  std::unique_ptr<storage::ShardDataset> held_out_;
};

// Coordinator side: metrics_against_reference of the reconstructions (fd, kid_*,
// precision, recall, images, feature_net) plus "psnr", the mean over images in dB.
// Throws std::runtime_error carrying a part's error, or the decoding / merging error.
MeasuredEvaluation measure_reconstruction_parts(const std::vector<actors::Bytes>& results_in_part_order,
                                                const ReferenceStatistics& reference);

}  // namespace dact::workers::evaluator
