// The evaluation job and its result as they travel through the coordinator's job queue
// (job type kEvaluateJobType; workers/job_payload.h adds type id and version). Type ids
// follow workers/worker_messages.h (200..207).
#pragma once

#include <string>

#include "actors/message.h"
#include "workers/evaluator/evaluation_job_settings.h"

namespace dact::workers::evaluator {

using actors::ByteReader;
using actors::ByteWriter;
using actors::Bytes;

inline constexpr const char* kEvaluateJobType = "evaluate";

// Coordinator -> evaluator: sample the images of seeds [seed_begin, seed_end) from one
// EMA track of a snapshot and return their features and statistics.
struct EvaluatePart {
  // v2: job.ema_name, guidance schedule; v3: EDM sampler controls, guide network;
  // v4: a learned schedule (job.edm.sigmas); v5: MCMC refinement controls; v6: MAR's
  // masked-generation controls; v7: the snapshot's exact nimg where v1..v6 had whole kimg
  // (read as kimg * 1000; an evaluator before v7 refuses a v7 job by its version)
  DACT_ACTOR_MESSAGE(EvaluatePart, 208, 7, 1)
  uint64_t evaluation_id = 0;
  int64_t part_index = 0;
  int64_t nimg = 0;  // the snapshot's training images
  EvaluationJob job;
};

// Evaluator -> coordinator: one part's mergeable statistics and its features, or why
// the part could not be computed (a failing snapshot must not end an evaluator: it
// would fail on every other evaluator too).
// `tensors` (workers/tensor_bytes.h): "sum" float64 [d], "outer_sum" float64 [d, d],
// "features" float32 [n, d] in seed order.
struct EvaluatedPart {
  DACT_ACTOR_MESSAGE(EvaluatedPart, 209, 1, 1)
  uint64_t evaluation_id = 0;
  int64_t part_index = 0;
  std::string error;  // empty: computed
  std::string feature_net;  // FeatureNetwork::name(), checked against the reference's
  int64_t seed_begin = 0;
  int64_t seed_end = 0;
  int64_t count = 0;   // rows the statistics hold
  int64_t images = 0;  // images sampled
  double seconds = 0;  // compute time of the part
  Bytes tensors;
};

}  // namespace dact::workers::evaluator
