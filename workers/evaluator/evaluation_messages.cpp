#include "workers/evaluator/evaluation_messages.h"

namespace dact::workers::evaluator {

void EvaluatePart::encode(ByteWriter& out) const {
  out.u64(evaluation_id);
  out.i64(part_index);
  out.i64(kimg);
  out.string(snapshot_path);
  out.f64(ema_std);
  out.string(sampler);
  out.i64(steps);
  out.f64(guidance);
  out.i64(seed_begin);
  out.i64(seed_end);
  out.i64(batch);
  out.string(feature_weights);
}

EvaluatePart EvaluatePart::decode(ByteReader& in, uint16_t) {
  EvaluatePart message;
  message.evaluation_id = in.u64();
  message.part_index = in.i64();
  message.kimg = in.i64();
  message.snapshot_path = in.string();
  message.ema_std = in.f64();
  message.sampler = in.string();
  message.steps = in.i64();
  message.guidance = in.f64();
  message.seed_begin = in.i64();
  message.seed_end = in.i64();
  message.batch = in.i64();
  message.feature_weights = in.string();
  return message;
}

void EvaluatedPart::encode(ByteWriter& out) const {
  out.u64(evaluation_id);
  out.i64(part_index);
  out.string(error);
  out.string(feature_net);
  out.i64(seed_begin);
  out.i64(seed_end);
  out.i64(count);
  out.i64(images);
  out.f64(seconds);
  out.bytes(tensors);
}

EvaluatedPart EvaluatedPart::decode(ByteReader& in, uint16_t) {
  EvaluatedPart message;
  message.evaluation_id = in.u64();
  message.part_index = in.i64();
  message.error = in.string();
  message.feature_net = in.string();
  message.seed_begin = in.i64();
  message.seed_end = in.i64();
  message.count = in.i64();
  message.images = in.i64();
  message.seconds = in.f64();
  message.tensors = in.bytes();
  return message;
}

}  // namespace dact::workers::evaluator
