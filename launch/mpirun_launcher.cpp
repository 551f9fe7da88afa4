#include "launch/mpirun_launcher.h"

#include <glog/logging.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "storage/run_directory.h"

namespace dact::launch {
namespace {

std::string self_executable() {
  std::vector<char> path(4096);
  const ssize_t length = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (length <= 0) throw std::runtime_error("cannot find the dact executable (/proc/self/exe)");
  return std::string(path.data(), length);
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

int run_mpi_world(const RunConfig& config, const std::string& run_dir, int64_t resume_step,
                  const std::string& extra_mpirun_args) {
  std::vector<std::string> command = {"mpirun", "--oversubscribe", "--bind-to", "none", "-np",
                                      std::to_string(world_size_of(config))};
  for (const std::string& word : split_words(extra_mpirun_args)) command.push_back(word);
  for (const std::string& word : {self_executable(), std::string("worker"), std::string("--run-dir"), run_dir,
                                  std::string("--resume-step"), std::to_string(resume_step)}) {
    command.push_back(word);
  }
  std::string printable;
  for (const std::string& word : command) printable += word + " ";
  LOG(INFO) << "starting: " << printable;

  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    if (::geteuid() == 0) {  // Open MPI refuses root without this consent
      ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
      ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
    }
    std::vector<char*> argv;
    for (std::string& word : command) argv.push_back(word.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "dact: cannot start mpirun: %s\n", std::strerror(errno));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::ofstream log(storage::RunDirectory(run_dir).log_path(), std::ios::app);
  FILE* output = ::fdopen(pipe_fds[0], "r");
  char line[8192];
  while (std::fgets(line, sizeof line, output)) {
    std::fputs(line, stderr);
    log << line;
    log.flush();
  }
  std::fclose(output);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace dact::launch
