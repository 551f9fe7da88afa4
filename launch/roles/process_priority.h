#pragma once
// CPU priority of a rank's process (run.nice): a rank that shares cores with trainers
// lowers its own priority so the gradient loop runs first.

namespace dact::launch {

// Sets the nice value of every thread of this process (on Linux nice is per thread;
// threads started later inherit the caller's). Only lowers priority: `nice` in [0, 19].
// Throws std::system_error naming the thread it could not change.
void set_process_nice(int nice);

}  // namespace dact::launch
