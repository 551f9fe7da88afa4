#include "workers/worker_messages.h"

namespace dact::workers {

void BatchCredit::encode(ByteWriter& out) const { out.u32(count); }
BatchCredit BatchCredit::decode(ByteReader& in, uint16_t) { return {in.u32()}; }

void TrainingBatch::encode(ByteWriter& out) const {
  out.i64(step);
  out.i32(round);
  out.f64(loader_busy_s);
  out.bytes(tensors);
}
TrainingBatch TrainingBatch::decode(ByteReader& in, uint16_t) {
  TrainingBatch message;
  message.step = in.i64();
  message.round = in.i32();
  message.loader_busy_s = in.f64();
  message.tensors = in.bytes();
  return message;
}

void EmaWeights::encode(ByteWriter& out) const {
  out.i64(step);
  out.i64(nimg);
  out.i64(delta_nimg);
  out.boolean(update);
  out.boolean(write_state);
  out.boolean(final);
  out.boolean(stop);
  out.bytes(tensors);
}
EmaWeights EmaWeights::decode(ByteReader& in, uint16_t) {
  EmaWeights message;
  message.step = in.i64();
  message.nimg = in.i64();
  message.delta_nimg = in.i64();
  message.update = in.boolean();
  message.write_state = in.boolean();
  message.final = in.boolean();
  message.stop = in.boolean();
  message.tensors = in.bytes();
  return message;
}

void TrainingProgress::encode(ByteWriter& out) const { out.string(json_line); }
TrainingProgress TrainingProgress::decode(ByteReader& in, uint16_t) { return {in.string()}; }

void TrainingFinished::encode(ByteWriter& out) const { out.i64(step); }
TrainingFinished TrainingFinished::decode(ByteReader& in, uint16_t) { return {in.i64()}; }

void SnapshotWritten::encode(ByteWriter& out) const {
  out.i64(nimg);
  out.string(path);
}
SnapshotWritten SnapshotWritten::decode(ByteReader& in, uint16_t) {
  SnapshotWritten message;
  message.nimg = in.i64();
  message.path = in.string();
  return message;
}

void EmaFinished::encode(ByteWriter& out) const { out.i64(step); }
EmaFinished EmaFinished::decode(ByteReader& in, uint16_t) { return {in.i64()}; }

void StopTraining::encode(ByteWriter& out) const { out.string(reason); }
StopTraining StopTraining::decode(ByteReader& in, uint16_t) { return {in.string()}; }

}  // namespace dact::workers
