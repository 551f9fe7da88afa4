// A step's worth of tensors freed and allocated again costs no page faults once
// keep_freed_memory_for_reuse() is set: the pages stay in the process.
#include "launch/freed_memory_reuse.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace dact::launch {
namespace {

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// One "training step": blocks of 1-8 MiB (activations and gradients of a small U-Net),
// 108 MiB in all, written, then freed.
void one_step() {
  std::vector<void*> blocks;
  for (int i = 0; i < 24; ++i) {
    const size_t bytes = static_cast<size_t>(1 + i % 8) << 20;
    void* block = std::malloc(bytes);
    std::memset(block, i, bytes);
    blocks.push_back(block);
  }
  for (void* block : blocks) std::free(block);
}

// In a forked child (EXPECT_EXIT), so the test process keeps glibc's defaults.
void steps_after_the_first_fault_less_than_one_percent() {
  keep_freed_memory_for_reuse();
  one_step();  // the first step faults its pages in
  const long before = minor_faults();
  for (int step = 0; step < 5; ++step) one_step();
  const long pages_written = 5 * (108L << 20) / 4096;
  std::exit((minor_faults() - before) * 100 < pages_written ? 0 : 1);
}

TEST(FreedMemoryReuse, LaterStepsReuseTheFirstStepsPages) {
  EXPECT_EXIT(steps_after_the_first_fault_less_than_one_percent(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace dact::launch
