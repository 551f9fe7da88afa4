#include "workers/trainer/training_checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "storage/storage_error.h"

namespace dact::workers::trainer {
namespace {

TEST(TrainingCheckpoint, RoundTripsAndRefusesAnotherConfig) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("dact_ckpt_" + std::to_string(::getpid()) + ".h5")).string();
  TrainingCheckpoint written;
  written.step = 1234;
  written.nonfinite_steps_skipped = 2;
  written.model["unet.out_gain"] = torch::tensor({0.25f});
  written.model["unet.enc.conv.weight"] = torch::randn({4, 2, 3, 3});
  written.optimizer["m/unet.out_gain"] = torch::tensor({0.5f});
  written.optimizer["step"] = torch::tensor(int64_t{1234});
  write_training_checkpoint(path, written, "hash-a");

  const TrainingCheckpoint read = read_training_checkpoint(path, "hash-a");
  EXPECT_EQ(read.step, 1234);
  EXPECT_EQ(read.nonfinite_steps_skipped, 2);
  ASSERT_EQ(read.model.size(), 2u);
  EXPECT_TRUE(torch::equal(read.model.at("unet.enc.conv.weight"), written.model.at("unet.enc.conv.weight")));
  EXPECT_TRUE(torch::equal(read.optimizer.at("step"), written.optimizer.at("step")));
  try {
    read_training_checkpoint(path, "hash-b");
    FAIL() << "a checkpoint of another config was accepted";
  } catch (const storage::StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("hash-b"), std::string::npos);
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace dact::workers::trainer
