// Messages among the worker actors and from them to the coordinator (type ids 200..299;
// wire layout in worker_messages.cpp). Tensors travel as storage/tensor_codec bytes.
#pragma once

#include <string>

#include "actors/message.h"

namespace dact::workers {

using actors::ByteReader;
using actors::ByteWriter;
using actors::Bytes;

// Trainer -> its data loader: send `count` more micro-batches (credit-based flow control:
// a loader never has more batches in flight to a trainer than it was granted).
struct BatchCredit {
  DACT_ACTOR_MESSAGE(BatchCredit, 200, 1, 1)
  uint32_t count = 0;
};

// Data loader -> trainer: one micro-batch, tensors "images" (uint8 NCHW) and "labels" (int64).
struct TrainingBatch {
  DACT_ACTOR_MESSAGE(TrainingBatch, 201, 1, 1)
  int64_t step = 0;
  int32_t round = 0;
  double loader_busy_s = 0;  // the loader's cumulative time spent reading and assembling
  Bytes tensors;
};

// Trainer 0 -> EMA actor: the weights after `step` (step 0: the initial weights).
// Version 2 added `update` and `stop` (an early stop between EMA steps persists the
// tracks without updating them, so the resumed run matches one that never stopped).
struct EmaWeights {
  DACT_ACTOR_MESSAGE(EmaWeights, 202, 2, 2)
  int64_t step = 0;
  int64_t nimg = 0;          // training images the tracks have seen after this message
  int64_t delta_nimg = 0;    // images since the previous update (EDM2's t_delta)
  bool update = true;        // the tracks take `tensors`; false: no tensors, persist only
  bool write_state = false;  // a checkpoint step: persist the tracks for exact resume
  bool final = false;        // the last step of the run: final snapshot and preview
  bool stop = false;         // an early stop (preemption): state only, then finished
  Bytes tensors;
};

// Trainer 0 -> coordinator: one stats.jsonl line (a JSON object).
struct TrainingProgress {
  DACT_ACTOR_MESSAGE(TrainingProgress, 203, 1, 1)
  std::string json_line;
};

// Trainer 0 -> coordinator: the gradient loop reached its last step.
struct TrainingFinished {
  DACT_ACTOR_MESSAGE(TrainingFinished, 204, 1, 1)
  int64_t step = 0;
};

// EMA actor -> coordinator: a snapshot file is complete on disk. Version 2 carries the
// exact image count where version 1 had whole kimg (two snapshots of one kimg looked alike).
struct SnapshotWritten {
  DACT_ACTOR_MESSAGE(SnapshotWritten, 205, 2, 2)
  int64_t nimg = 0;  // training images the snapshot's tracks have seen
  std::string path;
};

// EMA actor -> coordinator: the final EMA state, snapshot and preview grid (or, after an
// early stop, the EMA state of the stop step) are written.
struct EmaFinished {
  DACT_ACTOR_MESSAGE(EmaFinished, 206, 1, 1)
  int64_t step = 0;
};

// Coordinator -> trainers: stop early (preemption). Each trainer finishes its current
// step; the trainers agree on the stop step through their all-reduce (GradientLoop).
struct StopTraining {
  DACT_ACTOR_MESSAGE(StopTraining, 207, 1, 1)
  std::string reason;
};

}  // namespace dact::workers
