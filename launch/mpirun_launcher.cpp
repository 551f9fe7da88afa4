#include "launch/mpirun_launcher.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>


namespace dact::launch {
namespace {

// The ranks run the binary at this process's path. A rebuild while a run goes on replaces
// the file, and the kernel then names ours "PATH (deleted)": the ranks of the next world
// take the new file at PATH (its config hash check still guards the run).
std::string self_executable() {
  std::vector<char> path(4096);
  const ssize_t length = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (length <= 0) throw std::runtime_error("cannot find the dact executable (/proc/self/exe)");
  std::string executable(path.data(), length);
  const std::string deleted = " (deleted)";
  if (executable.size() > deleted.size() &&
      executable.compare(executable.size() - deleted.size(), deleted.size(), deleted) == 0) {
    executable.resize(executable.size() - deleted.size());
  }
  return executable;
}

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream stream(text);
  std::vector<std::string> words;
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

}  // namespace

int world_size_of(const RunConfig& config) {
  int size = 1;  // the coordinator
  for (const auto& [role, count] : config.roles) size += count;
  return size;
}

int compute_threads_of(const RunConfig& config) {
  int threads = 0;
  for (const char* role : {"trainer", "evaluator"}) {
    const auto found = config.roles.find(role);
    if (found != config.roles.end()) threads += found->second * config.threads_of(role);
  }
  return threads;
}

std::vector<std::string> omp_wait_policy_args(const RunConfig& config, unsigned cores, const char* user_policy) {
  if (user_policy != nullptr || compute_threads_of(config) <= static_cast<int>(cores)) return {};
  return {"-x", "OMP_WAIT_POLICY=PASSIVE"};
}

std::vector<std::string> mpirun_command(const RunConfig& config, const std::string& run_dir,
                                        int64_t resume_step, const std::string& extra_mpirun_args) {
  return mpirun_command(config, {"worker", "--run-dir", run_dir, "--resume-step", std::to_string(resume_step)},
                        extra_mpirun_args);
}

std::vector<std::string> mpirun_command(const RunConfig& config, const std::vector<std::string>& dact_arguments,
                                        const std::string& extra_mpirun_args) {
  // --tag-output: the supervisor must tell mpirun's own notices from ranks' output.
  std::vector<std::string> command = {"mpirun", "--oversubscribe", "--bind-to", "none", "--tag-output", "-np",
                                      std::to_string(world_size_of(config))};
  for (const std::string& word :
       omp_wait_policy_args(config, std::thread::hardware_concurrency(), std::getenv("OMP_WAIT_POLICY"))) {
    command.push_back(word);
  }
  for (const std::string& word : split_words(extra_mpirun_args)) command.push_back(word);
  command.push_back(self_executable());
  command.insert(command.end(), dact_arguments.begin(), dact_arguments.end());
  return command;
}

}  // namespace dact::launch
