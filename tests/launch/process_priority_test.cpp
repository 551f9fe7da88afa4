// run.nice reaches every thread of a rank: on Linux nice is per thread, so threads that
// MPI or glog started before the role was known must be lowered too, not only the caller.
#include "launch/roles/process_priority.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

namespace dact::launch {
namespace {

int nice_of_thread(pid_t tid) { return getpriority(PRIO_PROCESS, static_cast<id_t>(tid)); }

// Runs in a forked child (EXPECT_EXIT), so the test process keeps its priority.
void lower_with_a_thread_running_and_check() {
  std::atomic<pid_t> earlier_tid{0};
  std::atomic<bool> done{false};
  std::thread earlier([&] {
    earlier_tid = static_cast<pid_t>(syscall(SYS_gettid));
    while (!done) std::this_thread::yield();
  });
  while (earlier_tid == 0) std::this_thread::yield();
  lower_process_priority(7);
  int later_nice = -100;
  std::thread later([&] { later_nice = nice_of_thread(static_cast<pid_t>(syscall(SYS_gettid))); });
  later.join();
  const bool ok = nice_of_thread(static_cast<pid_t>(syscall(SYS_gettid))) == 7 && nice_of_thread(earlier_tid) == 7 &&
                  later_nice == 7;
  done = true;
  earlier.join();
  std::exit(ok ? 0 : 1);
}

TEST(ProcessPriority, EveryThreadEarlierOrLaterGetsTheNiceValue) {
  EXPECT_EXIT(lower_with_a_thread_running_and_check(), ::testing::ExitedWithCode(0), "");
}

// A rank started under `nice -n 3`: increments add to 3 (capped at 19), and 0 leaves it
// at 3 rather than trying to raise it, which needs privileges.
void started_under_nice_and_check() {
  const auto self = static_cast<pid_t>(syscall(SYS_gettid));
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(self), 3) != 0) std::exit(2);
  lower_process_priority(0);
  const bool zero_keeps = nice_of_thread(self) == 3;
  lower_process_priority(4);
  const bool adds = nice_of_thread(self) == 7;
  lower_process_priority(19);
  const bool caps = nice_of_thread(self) == 19;
  std::exit(zero_keeps && adds && caps ? 0 : 1);
}

TEST(ProcessPriority, IncrementsAddToTheNiceTheRankStartedWith) {
  EXPECT_EXIT(started_under_nice_and_check(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace dact::launch
