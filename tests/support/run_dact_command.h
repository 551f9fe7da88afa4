#pragma once
// Test helper: runs the built `dact` binary (dact_binary()) with arguments, or any
// shell command, and captures its standard output and exit code.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "tests/support/test_paths.h"

namespace dact::testing {

struct DactResult {
  int exit_code;
  std::string output;  // stdout only; stderr is folded in when `merge_stderr`
};

// `shell_command` as /bin/sh runs it.
inline DactResult run_shell_command(const std::string& shell_command, bool merge_stderr = false) {
  const std::string command = shell_command + (merge_stderr ? " 2>&1" : "");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string output;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

inline DactResult run_dact_command(const std::string& arguments, bool merge_stderr = false) {
  return run_shell_command("'" + dact_binary() + "' " + arguments, merge_stderr);
}

}  // namespace dact::testing
