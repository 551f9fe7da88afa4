#pragma once
// A parameterized suite whose input files a Python script (Debian's /usr/bin/python3,
// which has torch, h5py and numpy) writes once for all its cases into a temporary
// directory. Without those modules every case is skipped, saying why.
//
//   class MySuite : public dact::testing::PythonWrittenFiles<MySuite> {
//    public:
//     static constexpr char kTempPrefix[] = "dact_my_suite";
//     // The script (under the source tree) and its arguments, given the directory.
//     static std::vector<std::string> script(const std::string& dir);
//   };
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace dact::testing {

inline constexpr char kTestPython[] = "/usr/bin/python3";

// The words quoted for the shell (no word holds a single quote).
inline std::string shell_words(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& word : words) line += (line.empty() ? "'" : " '") + word + "'";
  return line;
}

template <class Suite>
class PythonWrittenFiles : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    if (run_shell_command(std::string(kTestPython) + " -c 'import torch, h5py, numpy'", true).exit_code != 0) {
      skip_reason_ = std::string(kTestPython) +
                     " cannot import torch, h5py and numpy (Debian: python3-torch python3-h5py)";
      return;
    }
    dir_ = std::make_unique<TempDir>(Suite::kTempPrefix);
    std::vector<std::string> command = Suite::script(dir_->path());
    command.front() = source_dir() + "/" + command.front();
    command.insert(command.begin(), kTestPython);
    const auto made = run_shell_command(shell_words(command), true);
    ASSERT_EQ(made.exit_code, 0) << made.output;
  }
  static void TearDownTestSuite() { dir_.reset(); }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  }

  static std::string path(const std::string& name) { return *dir_ / name; }

 private:
  static inline std::string skip_reason_;
  static inline std::unique_ptr<TempDir> dir_;
};

}  // namespace dact::testing
