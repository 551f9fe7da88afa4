#include "storage/background_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace dact::storage {
namespace {

TEST(BackgroundWriter, RunsWritesInOrderOffTheCallersThread) {
  BackgroundWriter writer;
  std::vector<int> order;
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> ran_elsewhere{true};
  for (int i = 0; i < 5; ++i) {
    writer.submit([&, i] {
      if (std::this_thread::get_id() == caller) ran_elsewhere = false;
      order.push_back(i);
    });
  }
  writer.wait();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(ran_elsewhere);
}

TEST(BackgroundWriter, SubmitReportsTheStallBehindASlowWrite) {
  BackgroundWriter writer;
  writer.submit([] { std::this_thread::sleep_for(std::chrono::milliseconds(200)); });
  const double waited_s = writer.submit([] {});
  EXPECT_GT(waited_s, 0.1);
  writer.wait();
}

TEST(BackgroundWriter, AFailedWriteIsRethrownNotLost) {
  BackgroundWriter writer;
  writer.submit([] { throw std::runtime_error("disk full: /run/ckpt.h5"); });
  try {
    writer.wait();
    FAIL() << "the failure was swallowed";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "disk full: /run/ckpt.h5");
  }
  writer.wait();  // reported once
}

}  // namespace
}  // namespace dact::storage
