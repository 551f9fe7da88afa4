// The supervisor's parts that need no MPI world: reading mpirun's notices (lines
// captured from Open MPI 4.1.4), naming the failed rank and role, the failure record's
// first-writer-wins rule, checkpoint retention and the clean-up of killed writers' files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include <filesystem>
#include <fstream>

#include "launch/run_setup.h"
#include "launch/supervisor/checkpoint_retention.h"
#include "launch/supervisor/failure_record.h"
#include "launch/supervisor/mpirun_notice.h"
#include "launch/supervisor/world_failure.h"
#include "storage/run_directory.h"
#include "workers/ema/ema_snapshot.h"
#include "workers/trainer/training_checkpoint.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

const std::vector<coordinator::RankRole> kRanks = {
    {"coordinator", 0, 1}, {"data_loader", 0, 1}, {"trainer", 0, 2}, {"trainer", 1, 2}, {"ema", 0, 1}};

MpirunNotice notice_of(const std::vector<std::string>& lines) {
  MpirunNotice notice;
  for (const std::string& line : lines) notice.read_line(line);
  return notice;
}

TEST(MpirunNotice, ReadsTheRankKilledBySignal) {
  const MpirunNotice notice = notice_of(
      {"--------------------------------------------------------------------------",
       "mpirun noticed that process rank 3 with PID 0 on node vm exited on signal 9 (Killed).",
       "mpirun noticed that process rank 1 with PID 0 on node vm exited on signal 15 (Terminated)."});
  EXPECT_EQ(notice.rank(), 3);
  EXPECT_EQ(notice.signal(), 9);
  const WorldFailure failure = diagnose_world_failure(notice, std::nullopt, {137, 0}, kRanks);
  EXPECT_EQ(failure.cause, "signal");
  EXPECT_EQ(failure.role, "trainer");
  EXPECT_EQ(failure.role_index, 1);
  EXPECT_EQ(failure.describe(), "rank 3 (trainer 1) was killed by SIGKILL");
}

TEST(MpirunNotice, ReadsTheRankThatExitedNonZero) {
  const MpirunNotice notice = notice_of(
      {"mpirun detected that one or more processes exited with non-zero status, thus causing",
       "the job to be terminated. The first process to do so was:", "",
       "  Process name: [[19545,1],4]", "  Exit code:    3"});
  EXPECT_EQ(notice.rank(), 4);
  EXPECT_EQ(notice.exit_code(), 3);
  EXPECT_EQ(notice.signal(), 0);
  const WorldFailure failure = diagnose_world_failure(notice, std::nullopt, {3, 0}, kRanks);
  EXPECT_EQ(failure.cause, "exit");
  EXPECT_EQ(failure.role, "ema");
}

TEST(MpirunNotice, AbortWithARecordNamesTheErrorOfTheRank) {
  const MpirunNotice notice =
      notice_of({"MPI_ABORT was invoked on rank 2 in communicator MPI_COMM_WORLD with errorcode 1."});
  EXPECT_EQ(notice.rank(), 2);
  const FailureRecord record{2, "trainer", 0, "disk full", 1.0};
  const WorldFailure failure = diagnose_world_failure(notice, record, {1, 0}, kRanks);
  EXPECT_EQ(failure.cause, "error");
  EXPECT_EQ(failure.error, "disk full");
  EXPECT_EQ(failure.exit_code, 1);
  EXPECT_EQ(failure.describe(), "rank 2 (trainer 0) failed: disk full");
}

TEST(MpirunNotice, NobodyNamedIsUnknown) {
  const WorldFailure failure = diagnose_world_failure(MpirunNotice{}, std::nullopt, {0, 9}, kRanks);
  EXPECT_EQ(failure.cause, "unknown");
  EXPECT_EQ(failure.role, "unknown");
  EXPECT_EQ(failure.describe(), "mpirun was killed by SIGKILL");
}

class RunDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("dact_supervisor_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    run_ = storage::RunDirectory(root_.string());
    run_.create();
  }
  void TearDown() override { fs::remove_all(root_); }

  void write_pair(int64_t step, bool with_ema = true) {
    workers::trainer::TrainingCheckpoint checkpoint;
    checkpoint.step = step;
    checkpoint.model["w"] = torch::full({3}, static_cast<float>(step));
    workers::trainer::write_training_checkpoint(run_.checkpoint_path(step), checkpoint, "hash");
    if (!with_ema) return;
    workers::ema::EmaSnapshot ema;
    ema.step = step;
    ema.stds = {0.05};
    storage::NamedTensors track;
    track["w"] = torch::full({3}, static_cast<float>(step));
    ema.tracks.push_back(track);
    ema.config_hash = "hash";
    workers::ema::write_ema_snapshot(run_.ema_state_path(step), ema);
  }
  std::vector<int64_t> steps_left() const {
    std::vector<int64_t> steps = run_.checkpoint_steps();
    std::sort(steps.begin(), steps.end());
    return steps;
  }

  fs::path root_;
  storage::RunDirectory run_{""};
};

TEST_F(RunDirTest, FirstFailureRecordWins) {
  record_failure(run_.failure_path(), {3, "trainer", 1, "first", 1.0});
  record_failure(run_.failure_path(), {1, "data_loader", 0, "second", 2.0});
  const std::optional<FailureRecord> record = read_failure(run_.failure_path());
  ASSERT_TRUE(record);
  EXPECT_EQ(record->rank, 3);
  EXPECT_EQ(record->error, "first");
  for (const auto& entry : fs::directory_iterator(root_)) {
    EXPECT_EQ(entry.path().filename().string().find("failure.json.rank"), std::string::npos);
  }
}

TEST_F(RunDirTest, RetentionKeepsTheLastKAndEveryNth) {
  for (int64_t step = 4; step <= 24; step += 4) write_pair(step);
  write_pair(28, /*with_ema=*/false);  // still being written: never a candidate
  const std::vector<int64_t> deleted = prune_checkpoints(run_, "hash", {2, 12});
  EXPECT_EQ(steps_left(), (std::vector<int64_t>{12, 20, 24, 28}));
  EXPECT_EQ(deleted.size(), 3u);
  EXPECT_FALSE(fs::exists(run_.ema_state_path(16)));
  EXPECT_EQ(find_resume_step(run_.root(), "hash"), 24);
}

TEST_F(RunDirTest, RetentionAnchorsOnTheNewestPairThatVerifies) {
  for (int64_t step = 4; step <= 24; step += 4) write_pair(step);
  fs::resize_file(run_.checkpoint_path(24), fs::file_size(run_.checkpoint_path(24)) / 2);
  prune_checkpoints(run_, "hash", {2, 0});
  // 24 does not verify: it stays (never deleted), and 20 and 16 are the two kept.
  EXPECT_EQ(steps_left(), (std::vector<int64_t>{16, 20, 24}));
  EXPECT_EQ(find_resume_step(run_.root(), "hash"), 20);
}

TEST_F(RunDirTest, KeepEverythingByDefault) {
  for (int64_t step = 4; step <= 12; step += 4) write_pair(step);
  EXPECT_TRUE(prune_checkpoints(run_, "hash", {}).empty());
  EXPECT_EQ(steps_left(), (std::vector<int64_t>{4, 8, 12}));
}

TEST_F(RunDirTest, StaleTempFilesAreRemoved) {
  write_pair(4);
  std::ofstream(root_ / "snapshots" / "snapshot-000001.h5.tmp-1234") << "partial";
  std::ofstream(root_ / "checkpoints" / "checkpoint-00000008.h5.tmp-99") << "partial";
  EXPECT_EQ(remove_stale_temp_files(run_), 2);
  EXPECT_TRUE(fs::is_empty(root_ / "snapshots"));
  EXPECT_EQ(steps_left(), (std::vector<int64_t>{4}));
}

}  // namespace
}  // namespace dact::launch
