#include "workers/evaluator/reconstruction_messages.h"

namespace dact::workers::evaluator {

void ReconstructPart::encode(actors::ByteWriter& out) const {
  out.u64(evaluation_id);
  out.i64(part_index);
  out.i64(nimg);  // version 2; before: whole kimg
  out.string(job.snapshot_path);
  out.f64(job.ema_std);
  out.string(job.ema_name);
  out.string(job.held_out_dataset);
  out.i64(job.index_begin);
  out.i64(job.index_end);
  out.i64(job.batch);
  out.string(job.feature_weights);
}

ReconstructPart ReconstructPart::decode(actors::ByteReader& in, uint16_t wire_version) {
  ReconstructPart message;
  message.evaluation_id = in.u64();
  message.part_index = in.i64();
  message.nimg = wire_version >= 2 ? in.i64() : in.i64() * 1000;
  message.job.snapshot_path = in.string();
  message.job.ema_std = in.f64();
  message.job.ema_name = in.string();
  message.job.held_out_dataset = in.string();
  message.job.index_begin = in.i64();
  message.job.index_end = in.i64();
  message.job.batch = in.i64();
  message.job.feature_weights = in.string();
  return message;
}

}  // namespace dact::workers::evaluator
