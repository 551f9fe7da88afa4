#pragma once
// One MPI world of a run as a child process tree of the supervisor: mpirun in its own
// process group (so a Ctrl-C meant for `dact train` does not kill the ranks before they
// checkpoint), stdin from /dev/null, every output line copied to the terminal and
// RUN/log.txt (without the rank tags of mpirun --tag-output, see rank_output_tag.h).
// The supervisor is made the subreaper of its descendants, so ranks orphaned by a dead
// mpirun come back to it and end() can kill them: after end() no process of the world
// is left. Linux only (prctl).
#include <sys/types.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace dact::launch {

struct WorldExit {
  int exit_code = 0;  // mpirun's exit code, when it exited
  int signal = 0;     // the signal that ended mpirun, else 0
  bool ok() const { return exit_code == 0 && signal == 0; }
};

class MpiWorld {
 public:
  // Starts `command`; throws std::runtime_error naming what failed (pipe, fork).
  MpiWorld(const std::vector<std::string>& command, const std::string& log_path);
  // Ends the world if it is still running.
  ~MpiWorld();
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  // Waits up to timeout_s for output, copying each complete line, and passes the lines
  // mpirun printed itself (untagged) to on_mpirun_line; ranks' lines never reach it.
  // Returns false once the output has ended (mpirun and every rank closed it).
  bool pump_output(double timeout_s, const std::function<void(const std::string& line)>& on_mpirun_line);

  // On a terminal, `line` stays as the last line below the world's output (redrawn in
  // place); elsewhere it is dropped, and the output stays plain lines.
  void show_progress(const std::string& line);

  // Waits for mpirun to exit (after pump_output returned false) and reports how.
  WorldExit wait();

  // SIGTERM to mpirun (it ends its ranks), SIGKILL after grace_s, then SIGKILL to every
  // orphaned descendant, all reaped. Safe to call more than once.
  void end(double grace_s);

  pid_t pid() const { return pid_; }

 private:
  void copy_line(const std::string& line, const std::function<void(const std::string&)>& on_mpirun_line);

  pid_t pid_ = -1;
  int output_fd_ = -1;
  bool reaped_ = false;
  WorldExit exit_;
  std::string partial_line_;
  std::ofstream log_;
  const bool on_terminal_;
  std::string progress_;  // shown below the output, on a terminal
};

// Makes this process the subreaper of its descendants (see above); call once, early.
void become_subreaper();

// SIGKILLs and reaps every child of this process (the orphans a dead mpirun left),
// until none is left or timeout_s passed. Returns how many it killed.
int kill_orphaned_children(double timeout_s);

}  // namespace dact::launch
