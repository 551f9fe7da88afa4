#pragma once
// CPU priority of a rank's process (run.nice): a rank that shares cores with trainers
// lowers its own priority so the gradient loop runs first.

namespace dact::launch {

// Adds `increment` (>= 0) to the nice value this process started with, as `nice -n`
// does, capped at 19, on every thread of the process (on Linux nice is per thread;
// threads started later inherit the caller's). 0 changes nothing, so a rank started
// under `nice` keeps its priority instead of failing to raise it without privileges.
// Throws std::system_error naming the thread it could not change.
void lower_process_priority(int increment);

}  // namespace dact::launch
