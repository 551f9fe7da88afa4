#pragma once
// What mpirun itself says about the rank that ended a world (Open MPI 4 wording):
//   "mpirun noticed that process rank 2 with PID 0 on node vm exited on signal 9 (Killed)."
//   "MPI_ABORT was invoked on rank 2 in communicator MPI_COMM_WORLD with errorcode 1."
//   "  Process name: [[19545,1],2]" followed by "  Exit code:    3"
//   "  Remote daemon: [[19545,0],1] on node 10.0.0.2" (ORTE lost a host's daemon)
// Feed it only mpirun's own lines, never a rank's output (MpiWorld tells them apart):
// a rank may print anything, including text that reads like these notices. The first
// rank named wins. A notice whose numbers do not parse is kept in unparsed(), never thrown.
#include <string>
#include <vector>

namespace dact::launch {

class MpirunNotice {
 public:
  void read_line(const std::string& line);

  int rank() const { return rank_; }          // -1: mpirun named no rank
  int signal() const { return signal_; }      // 0: not killed by a signal
  int exit_code() const { return exit_code_; }  // -1: unknown
  // The host whose daemon mpirun lost contact with (a dead host or network), or "".
  const std::string& lost_host() const { return lost_host_; }
  // Lines that looked like a notice but held numbers out of range (at most a few).
  const std::vector<std::string>& unparsed() const { return unparsed_; }

 private:
  void keep_unparsed(const std::string& line);

  int rank_ = -1;
  int signal_ = 0;
  int exit_code_ = -1;
  bool expect_exit_code_ = false;
  std::string lost_host_;
  std::vector<std::string> unparsed_;
};

}  // namespace dact::launch
