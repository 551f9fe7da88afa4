#include "launch/roles/process_priority.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

namespace dact::launch {

void lower_process_priority(int increment) {
  if (increment == 0) return;
  const int nice = std::min(19, getpriority(PRIO_PROCESS, 0) + increment);  // 0: the calling thread
  // MPI and glog have started threads of their own by now; /proc/self/task lists them all.
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    const std::string tid = task.path().filename().string();
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(std::stoul(tid)), nice) != 0 && errno != ESRCH) {
      throw std::system_error(errno, std::generic_category(), "setpriority(nice " + std::to_string(nice) + ") of thread " + tid);
    }
  }
}

}  // namespace dact::launch
