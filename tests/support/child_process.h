#pragma once
// Waiting for a child process the test started.
#include <sys/types.h>

namespace dact::testing {

// The exit code of child `pid` (128 + signal when a signal ended it), or -1 when it had
// not exited after `timeout_s` (it is then killed and reaped). Throws when waitpid fails
// (not our child, already reaped): that is never a clean exit.
int wait_exit(pid_t pid, double timeout_s);

}  // namespace dact::testing
