#include "launch/supervisor/mpirun_notice.h"

#include <charconv>
#include <limits>
#include <optional>
#include <regex>

namespace dact::launch {
namespace {

constexpr size_t kMaxUnparsedLines = 8;
constexpr int kMaxSignal = 64;  // SIGRTMAX on Linux

// The integer `text` in [low, high], or nothing: never throws, whatever the digits.
std::optional<int> parse_int_in(const std::string& text, int low, int high) {
  int value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || value < low || value > high) return std::nullopt;
  return value;
}

}  // namespace

void MpirunNotice::keep_unparsed(const std::string& line) {
  if (unparsed_.size() < kMaxUnparsedLines) unparsed_.push_back(line.substr(0, 300));
}

void MpirunNotice::read_line(const std::string& line) {
  static const std::regex killed(R"(noticed that process rank (\d+) with PID \d+ on node \S+ exited on signal (\d+))");
  static const std::regex aborted(R"(MPI_ABORT was invoked on rank (\d+) in communicator \S+ with errorcode (-?\d+))");
  static const std::regex process_name(R"(Process name:\s*\[\[\d+,\d+\],(\d+)\])");
  static const std::regex exit_code(R"(Exit code:\s*(-?\d+))");
  static const std::regex lost_daemon(R"(Remote daemon\s*:\s*\[\[\d+,\d+\],\d+\] on node ([A-Za-z0-9._:\[\]-]{1,255}))");
  constexpr int kMaxInt = std::numeric_limits<int>::max();
  std::smatch match;
  if (expect_exit_code_ && std::regex_search(line, match, exit_code)) {
    expect_exit_code_ = false;
    const std::optional<int> code = parse_int_in(match[1].str(), -kMaxInt, kMaxInt);
    if (code) exit_code_ = *code;
    else keep_unparsed(line);
    return;
  }
  if (lost_host_.empty() && std::regex_search(line, match, lost_daemon)) {
    lost_host_ = match[1].str();
    return;
  }
  if (rank_ >= 0) return;
  if (std::regex_search(line, match, killed)) {
    const std::optional<int> rank = parse_int_in(match[1].str(), 0, kMaxInt);
    const std::optional<int> signal = parse_int_in(match[2].str(), 1, kMaxSignal);
    if (!rank || !signal) return keep_unparsed(line);
    rank_ = *rank;
    signal_ = *signal;
  } else if (std::regex_search(line, match, aborted)) {
    const std::optional<int> rank = parse_int_in(match[1].str(), 0, kMaxInt);
    const std::optional<int> code = parse_int_in(match[2].str(), -kMaxInt, kMaxInt);
    if (!rank || !code) return keep_unparsed(line);
    rank_ = *rank;
    exit_code_ = *code;
  } else if (std::regex_search(line, match, process_name)) {
    const std::optional<int> rank = parse_int_in(match[1].str(), 0, kMaxInt);
    if (!rank) return keep_unparsed(line);
    rank_ = *rank;
    expect_exit_code_ = true;
  }
}

}  // namespace dact::launch
