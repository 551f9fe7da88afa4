// wait_exit tells exit codes, signals and time-outs apart, and a failed waitpid is an
// error, never a clean exit.
#include "tests/support/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <stdexcept>

namespace dact::testing {
namespace {

pid_t child_that(void (*body)()) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  return pid;
}

TEST(WaitExit, ReturnsTheExitCode) {
  EXPECT_EQ(wait_exit(child_that([] { ::_exit(3); }), 10), 3);
}

TEST(WaitExit, ASignalIs128PlusItsNumber) {
  EXPECT_EQ(wait_exit(child_that([] { ::raise(SIGKILL); }), 10), 128 + SIGKILL);
}

TEST(WaitExit, ATimeOutKillsTheChildAndIsMinusOne) {
  EXPECT_EQ(wait_exit(child_that([] { ::pause(); }), 0.2), -1);
}

TEST(WaitExit, AProcessThatIsNotOurChildIsAnError) {
  const pid_t pid = child_that([] {});
  ASSERT_EQ(wait_exit(pid, 10), 0);
  EXPECT_THROW(wait_exit(pid, 10), std::runtime_error);  // already reaped
  EXPECT_THROW(wait_exit(::getppid(), 10), std::runtime_error);
}

}  // namespace
}  // namespace dact::testing
