#include "launch/supervisor/mpirun_notice.h"

#include <regex>

namespace dact::launch {

void MpirunNotice::read_line(const std::string& line) {
  static const std::regex killed(R"(noticed that process rank (\d+) with PID \d+ on node \S+ exited on signal (\d+))");
  static const std::regex aborted(R"(MPI_ABORT was invoked on rank (\d+) in communicator \S+ with errorcode (-?\d+))");
  static const std::regex process_name(R"(Process name:\s*\[\[\d+,\d+\],(\d+)\])");
  static const std::regex exit_code(R"(Exit code:\s*(-?\d+))");
  std::smatch match;
  if (expect_exit_code_ && std::regex_search(line, match, exit_code)) {
    exit_code_ = std::stoi(match[1].str());
    expect_exit_code_ = false;
    return;
  }
  if (rank_ >= 0) return;
  if (std::regex_search(line, match, killed)) {
    rank_ = std::stoi(match[1].str());
    signal_ = std::stoi(match[2].str());
  } else if (std::regex_search(line, match, aborted)) {
    rank_ = std::stoi(match[1].str());
    exit_code_ = std::stoi(match[2].str());
  } else if (std::regex_search(line, match, process_name)) {
    rank_ = std::stoi(match[1].str());
    expect_exit_code_ = true;
  }
}

}  // namespace dact::launch
