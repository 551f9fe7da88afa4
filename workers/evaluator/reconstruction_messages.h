// The autoencoder's evaluation job as it travels through the coordinator's job queue
// (job type kReconstructJobType; workers/job_payload.h adds type id and version). Its
// result is an EvaluatedPart (evaluation_messages.h) whose tensors add "psnr" float64
// [n], in index order. Type id 220: clear of the worker messages' 200..209.
#pragma once

#include <string>

#include "actors/message.h"
#include "workers/evaluator/reconstruction_job.h"

namespace dact::workers::evaluator {

inline constexpr const char* kReconstructJobType = "reconstruct";

// Coordinator -> evaluator: reconstruct held-out images [index_begin, index_end) with
// one EMA track of a snapshot and return their features, statistics and PSNRs.
// v2: the snapshot's exact nimg where v1 had whole kimg (read as kimg * 1000).
struct ReconstructPart {
  DACT_ACTOR_MESSAGE(ReconstructPart, 220, 2, 1)
  uint64_t evaluation_id = 0;
  int64_t part_index = 0;
  int64_t nimg = 0;  // the snapshot's training images
  ReconstructionJob job;
};

}  // namespace dact::workers::evaluator
