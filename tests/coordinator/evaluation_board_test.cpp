// The coordinator's evaluation bookkeeping: fixed seed parts, results accepted once and
// handed back in part order whatever order they arrived in, bounded pending evaluations.
#include "coordinator/evaluation_board.h"

#include <gtest/gtest.h>

namespace dact::coordinator {
namespace {

const SteadyTime kStart{};

actors::Bytes bytes_of(uint8_t value) { return actors::Bytes{std::byte{value}}; }

EvaluationPlan plan(int64_t num_images, int64_t part_images, size_t max_pending = 4) {
  EvaluationPlan result;
  result.num_images = num_images;
  result.part_images = part_images;
  result.seed_begin = 1000;
  result.max_pending = max_pending;
  return result;
}

TEST(EvaluationBoard, SplitsSeedsIntoFixedConsecutiveParts) {
  const std::vector<EvaluationPartSeeds> parts = split_into_parts(plan(100, 32));
  ASSERT_EQ(parts.size(), 4u);  // ceil(100 / 32)
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(parts[i].part_index, static_cast<int64_t>(i));
    EXPECT_EQ(parts[i].seed_begin, 1000 + 32 * static_cast<int64_t>(i));
  }
  EXPECT_EQ(parts[2].seed_end, 1096);
  EXPECT_EQ(parts[3].seed_end, 1100);  // the last part holds the remaining 4
  EXPECT_EQ(split_into_parts(plan(5, 8)).size(), 1u);
  EXPECT_THROW(split_into_parts(plan(0, 8)), std::invalid_argument);
  EXPECT_THROW(split_into_parts(plan(8, 0)), std::invalid_argument);
}

TEST(EvaluationBoard, HandsBackResultsInPartOrderOnceAllAreIn) {
  EvaluationBoard board(plan(24, 8));
  const EvaluationBoard::Opened opened = board.open(16, "/run/snapshot-16.h5", kStart);
  ASSERT_FALSE(opened.dropped);
  const uint64_t id = opened.evaluation->id;
  for (int64_t part = 0; part < 3; ++part) board.bind_job(id, part, static_cast<JobId>(10 + part));

  EXPECT_FALSE(board.accept(12, bytes_of(2), "b", kStart));
  EXPECT_FALSE(board.accept(10, bytes_of(0), "a", kStart));
  EXPECT_FALSE(board.accept(99, bytes_of(9), "x", kStart));  // not a job of the board
  const auto finished = board.accept(11, bytes_of(1), "c", kStart + std::chrono::seconds(3));
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->nimg, 16);
  EXPECT_EQ(finished->snapshot_path, "/run/snapshot-16.h5");
  ASSERT_EQ(finished->results.size(), 3u);
  for (uint8_t part = 0; part < 3; ++part) EXPECT_EQ(finished->results[part], bytes_of(part));
  EXPECT_EQ(finished->evaluators, (std::vector<std::string>{"a", "c", "b"}));
  EXPECT_DOUBLE_EQ(finished->wall_s, 3.0);
  EXPECT_EQ(board.pending_count(), 0u);
  EXPECT_FALSE(board.accept(11, bytes_of(1), "c", kStart));  // the evaluation is closed
}

TEST(EvaluationBoard, OpeningBeyondMaxPendingDropsTheOldest) {
  EvaluationBoard board(plan(8, 4, 2));
  JobId next_job = 1;
  auto open = [&](int64_t nimg) {
    EvaluationBoard::Opened opened = board.open(nimg, "s" + std::to_string(nimg), kStart);
    for (int64_t part = 0; part < 2; ++part) board.bind_job(opened.evaluation->id, part, next_job++);
    return opened;
  };
  EXPECT_FALSE(open(0).dropped);
  EXPECT_FALSE(open(16).dropped);
  const EvaluationBoard::Opened third = open(32);
  ASSERT_TRUE(third.dropped);
  EXPECT_EQ(third.dropped->nimg, 0);
  EXPECT_EQ(third.dropped->job_ids, (std::vector<JobId>{1, 2}));
  EXPECT_EQ(board.pending_count(), 2u);
  EXPECT_EQ(board.dropped_count(), 1u);
  // A late result of the dropped evaluation is ignored; the others still finish.
  EXPECT_FALSE(board.accept(1, bytes_of(0), "a", kStart));
  EXPECT_FALSE(board.accept(2, bytes_of(0), "a", kStart));
  EXPECT_FALSE(board.accept(3, bytes_of(0), "a", kStart));
  EXPECT_TRUE(board.accept(4, bytes_of(0), "a", kStart));
  EXPECT_EQ(board.pending_count(), 1u);
}

TEST(EvaluationBoard, RefusesPlansWithoutImagesOrPending) {
  EXPECT_THROW(EvaluationBoard(plan(0, 4)), std::invalid_argument);
  EXPECT_THROW(EvaluationBoard(plan(8, 4, 0)), std::invalid_argument);
}

}  // namespace
}  // namespace dact::coordinator
