// Errors a restart cannot cure stop `dact train` at once, with the message, before any
// MPI world starts: out-of-range ports, a join host that is no address, a corrupt or
// truncated shard. The run's restart back-off is 60 s, so a supervisor that treated them
// as failed worlds would take a minute or more; each case must end within seconds.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace {

namespace fs = std::filesystem;
using dact::testing::run_dact_command;

class TrainPermanentErrorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new dact::testing::TempDir("dact_train_permanent_error");
    const dact::testing::DactResult convert =
        run_dact_command("dataset convert --source " + dact::testing::fashion_mnist_dir() + " --dest " +
                             root_->path() + "/data --split test --resolution 32",
                         true);
    ASSERT_EQ(convert.exit_code, 0) << convert.output;
  }
  static void TearDownTestSuite() { delete root_; }

  // A fresh copy of the dataset, which a case may damage.
  std::string dataset_copy() const {
    const std::string copy = dir_.path() + "/data";
    fs::copy(root_->path() + "/data/test", copy, fs::copy_options::recursive);
    return copy;
  }

  // `dact train` on a tiny run (no evaluation, restarts 60 s apart) with `run` merged in.
  struct Outcome {
    dact::testing::DactResult result;
    double seconds;
  };
  Outcome train(const std::string& dataset_dir, const nlohmann::json& run) const {
    nlohmann::json config = {
        {"dataset", {{"dir", dataset_dir}}},
        {"model", {{"arch", "edm2-precond"}, {"img_resolution", 32}, {"img_channels", 1}, {"label_dim", 10},
                   {"model_channels", 16}, {"channel_mult", {1, 2}}, {"num_blocks", 1},
                   {"attn_resolutions", nlohmann::json::array()}}},
        {"roles", {{"data_loader", 1}, {"trainer", 1}, {"ema", 1}}},
        {"trainer", {{"batch", 8}, {"batch_per_rank", 8}}},
        {"eval", {{"enabled", false}}},
        {"run", {{"duration_kimg", 0.016}, {"max_restarts", 2}, {"restart_backoff_s", 60},
                 {"restart_backoff_max_s", 60}}},
    };
    config["run"].update(run);
    std::ofstream(dir_.path() + "/config.json") << config.dump(2);
    const auto start = std::chrono::steady_clock::now();
    const dact::testing::DactResult result = run_dact_command(
        "train --config " + dir_.path() + "/config.json --run-dir " + dir_.path() + "/run", true);
    return {result, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  }

  void expect_stopped_at_once(const Outcome& outcome, const std::string& message) const {
    EXPECT_NE(outcome.result.exit_code, 0) << outcome.result.output;
    EXPECT_NE(outcome.result.output.find(message), std::string::npos) << outcome.result.output;
    EXPECT_LT(outcome.seconds, 20.0) << outcome.result.output;
    EXPECT_FALSE(fs::exists(dir_.path() + "/run/log.txt")) << "an MPI world was started";
    EXPECT_FALSE(fs::exists(dir_.path() + "/run/restarts.jsonl"));
  }

  static dact::testing::TempDir* root_;
  dact::testing::TempDir dir_{"dact_train_case"};
};

dact::testing::TempDir* TrainPermanentErrorTest::root_ = nullptr;

TEST_F(TrainPermanentErrorTest, StatusPortOutOfRange) {
  expect_stopped_at_once(train(root_->path() + "/data/test", {{"status_port", 70000}}),
                         "'run.status_port' is 70000");
}

TEST_F(TrainPermanentErrorTest, JoinHostThatIsNoAddress) {
  expect_stopped_at_once(train(root_->path() + "/data/test", {{"join_host", "not-an-address"}}),
                         "'run.join_host' is 'not-an-address'");
}

TEST_F(TrainPermanentErrorTest, FlippedShardByteNamesTheShard) {
  const std::string dataset = dataset_copy();
  const std::string shard = dataset + "/shard-00000.h5";
  {
    std::fstream file(shard, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(fs::file_size(shard) / 2));
    const char byte = static_cast<char>(file.peek() ^ 0x01);
    file.seekp(static_cast<std::streamoff>(fs::file_size(shard) / 2));
    file.put(byte);
  }
  expect_stopped_at_once(train(dataset, nlohmann::json::object()), shard + ": xxh64 checksum");
}

TEST_F(TrainPermanentErrorTest, TruncatedShardNamesTheShard) {
  const std::string dataset = dataset_copy();
  const std::string shard = dataset + "/shard-00000.h5";
  fs::resize_file(shard, fs::file_size(shard) - 4096);
  expect_stopped_at_once(train(dataset, nlohmann::json::object()), shard + ":");
}

}  // namespace
