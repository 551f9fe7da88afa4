#pragma once
// What the chaos tests do to a run from outside, as an operator (or a failing machine)
// would: start `dact train` as a child process, watch stats.jsonl for a step, find the
// pid of the rank holding a role and kill it, and compare runs tensor by tensor.
#include <sys/types.h>

#include <string>
#include <vector>

namespace dact::chaos {

struct TrainProcess {
  pid_t pid = -1;
  std::string output_path;
};

// Starts `dact train` with `arguments`, stdout+stderr appended to output_path, and
// `environment` ("K=V") added to this process's environment.
TrainProcess start_train(const std::vector<std::string>& arguments, const std::string& output_path,
                         const std::vector<std::string>& environment = {});

// testing::wait_exit of the process: its exit code, 128 + signal, or -1 after timeout_s
// (it is then killed).
int wait_exit(const TrainProcess& process, double timeout_s);

// The last step in RUN/stats.jsonl (0 if none yet).
long last_stats_step(const std::string& run_dir);

// Waits until stats.jsonl reaches `step`; false on timeout or when `process` exited.
bool wait_for_step(const TrainProcess& process, const std::string& run_dir, long step, double timeout_s);

// The pid of the `dact worker` of `run_dir` with MPI rank `rank`, or -1.
pid_t find_rank_pid(const std::string& run_dir, int rank);

// Every tensor of the two files, byte for byte; the message names what differs.
std::string compare_tensor_files(const std::string& a_path, const std::string& b_path);

std::string read_text(const std::string& path);

}  // namespace dact::chaos
