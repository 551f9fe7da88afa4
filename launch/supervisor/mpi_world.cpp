#include "launch/supervisor/mpi_world.h"

#include <fcntl.h>
#include <glog/logging.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <thread>

#include "launch/supervisor/rank_output_tag.h"

namespace dact::launch {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text() { return std::strerror(errno); }

WorldExit exit_of(int status) {
  WorldExit exit;
  if (WIFEXITED(status)) exit.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
  return exit;
}

// Children of this process, from /proc/<pid>/stat (field 4 is the parent pid).
std::vector<pid_t> children_of_self() {
  std::vector<pid_t> children;
  const pid_t self = ::getpid();
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text;
    if (!std::getline(stat, text)) continue;
    const size_t close = text.rfind(')');  // the command name may hold spaces
    if (close == std::string::npos) continue;
    char state = 0;
    int parent = 0;
    if (std::sscanf(text.c_str() + close + 1, " %c %d", &state, &parent) == 2 && parent == self) {
      children.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return children;
}

}  // namespace

void become_subreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    LOG(WARNING) << "cannot become the subreaper of the MPI world (" << errno_text()
                 << "); ranks orphaned by a dead mpirun may outlive it";
  }
}

int kill_orphaned_children(double timeout_s) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  int killed = 0;
  while (true) {
    const std::vector<pid_t> children = children_of_self();
    if (children.empty()) return killed;
    for (pid_t child : children) {
      if (::kill(child, SIGKILL) == 0) ++killed;
      ::waitpid(child, nullptr, WNOHANG);
    }
    if (Clock::now() > deadline) {
      LOG(ERROR) << children.size() << " processes of the MPI world survive SIGKILL";
      return killed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

MpiWorld::MpiWorld(const std::vector<std::string>& command, const std::string& log_path)
    : log_(log_path, std::ios::app), on_terminal_(::isatty(STDERR_FILENO) != 0) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + errno_text());
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork: " + errno_text());
  if (pid_ == 0) {
    ::setpgid(0, 0);
    // If the supervisor dies, mpirun gets SIGTERM and ends its ranks.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int signal : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGPIPE}) ::signal(signal, SIG_DFL);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    if (::geteuid() == 0) {  // Open MPI refuses root without this consent
      ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
      ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
    }
    std::vector<char*> argv;
    for (const std::string& word : command) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "dact: cannot start %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);  // also here: no race with a signal sent before the child ran
  ::close(pipe_fds[1]);
  output_fd_ = pipe_fds[0];
}

MpiWorld::~MpiWorld() {
  if (!progress_.empty()) std::fputs("\n", stderr);
  end(2.0);
  if (output_fd_ >= 0) ::close(output_fd_);
}

bool MpiWorld::pump_output(double timeout_s, const std::function<void(const std::string&)>& on_mpirun_line) {
  if (output_fd_ < 0) return false;
  pollfd poll_fd{output_fd_, POLLIN, 0};
  const int ready = ::poll(&poll_fd, 1, static_cast<int>(timeout_s * 1000));
  if (ready <= 0) return true;  // timeout, or a signal arrived (EINTR): the caller looks
  char buffer[8192];
  const ssize_t n = ::read(output_fd_, buffer, sizeof buffer);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) {
    if (!partial_line_.empty()) copy_line(partial_line_, on_mpirun_line);
    ::close(output_fd_);
    output_fd_ = -1;
    return false;
  }
  partial_line_.append(buffer, static_cast<size_t>(n));
  size_t start = 0;
  for (size_t end; (end = partial_line_.find('\n', start)) != std::string::npos; start = end + 1) {
    copy_line(partial_line_.substr(start, end - start), on_mpirun_line);
  }
  log_.flush();
  partial_line_.erase(0, start);
  return true;
}

void MpiWorld::copy_line(const std::string& line, const std::function<void(const std::string&)>& on_mpirun_line) {
  const OutputLine output = split_rank_tag(line);
  if (progress_.empty()) {
    std::fprintf(stderr, "%s\n", output.text.c_str());
  } else {  // the line goes above the progress line
    std::fprintf(stderr, "\r\033[K%s\n%s", output.text.c_str(), progress_.c_str());
  }
  log_ << output.text << '\n';
  if (!output.from_rank) on_mpirun_line(output.text);
}

void MpiWorld::show_progress(const std::string& line) {
  if (!on_terminal_ || line == progress_) return;
  progress_ = line;
  std::fprintf(stderr, "\r\033[K%s", progress_.c_str());
  std::fflush(stderr);
}

WorldExit MpiWorld::wait() {
  if (!reaped_) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    exit_ = exit_of(status);
  }
  return exit_;
}

void MpiWorld::end(double grace_s) {
  if (!reaped_) {
    ::kill(-pid_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::duration<double>(grace_s);
    int status = 0;
    while (!reaped_) {
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        reaped_ = true;
        exit_ = exit_of(status);
      } else if (Clock::now() > deadline) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        reaped_ = true;
        exit_ = exit_of(status);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }
  const int killed = kill_orphaned_children(10.0);
  if (killed > 0) LOG(WARNING) << "killed " << killed << " orphaned processes of the MPI world";
}

}  // namespace dact::launch
