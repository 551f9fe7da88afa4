// Every worker message through its codec (tests/support/message_round_trip.h), each
// field set to a value that is not its default.
#include "workers/worker_messages.h"

#include <gtest/gtest.h>

#include <tuple>

#include "tests/support/message_round_trip.h"

namespace dact::workers {
namespace {

using dact::testing::expect_round_trip;

const Bytes kTensors = {std::byte{9}, std::byte{0}, std::byte{0x80}};

TEST(WorkerMessages, EveryMessageRoundTrips) {
  expect_round_trip(BatchCredit{5}, [](const BatchCredit& m) { return std::tie(m.count); });
  expect_round_trip(TrainingBatch{12, 3, 0.75, kTensors}, [](const TrainingBatch& m) {
    return std::tie(m.step, m.round, m.loader_busy_s, m.tensors);
  });
  // Each bool of EmaWeights differs from its default, one at a time and all at once.
  EmaWeights weights{40, 2560, 128, false, true, true, true, kTensors};
  const auto ema_fields = [](const EmaWeights& m) {
    return std::tie(m.step, m.nimg, m.delta_nimg, m.update, m.write_state, m.final, m.stop, m.tensors);
  };
  expect_round_trip(weights, ema_fields);
  for (bool EmaWeights::*flag : {&EmaWeights::update, &EmaWeights::write_state, &EmaWeights::final, &EmaWeights::stop}) {
    EmaWeights one{};
    one.*flag = !(one.*flag);
    expect_round_trip(one, ema_fields);
  }
  expect_round_trip(TrainingProgress{R"({"step": 3})"}, [](const TrainingProgress& m) { return std::tie(m.json_line); });
  expect_round_trip(TrainingFinished{77}, [](const TrainingFinished& m) { return std::tie(m.step); });
  expect_round_trip(SnapshotWritten{64, "/runs/a/snapshots/snapshot-000000.064.h5"},
                    [](const SnapshotWritten& m) { return std::tie(m.nimg, m.path); });
  expect_round_trip(EmaFinished{78}, [](const EmaFinished& m) { return std::tie(m.step); });
  expect_round_trip(StopTraining{"SIGTERM"}, [](const StopTraining& m) { return std::tie(m.reason); });
}

}  // namespace
}  // namespace dact::workers
