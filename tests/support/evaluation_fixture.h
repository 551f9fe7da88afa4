#pragma once
// Test helpers for end-to-end runs of `dact`: files they write, processes started in
// the background, and the evaluation inputs (dataset, feature classifier, reference
// statistics) made once per dact binary and shared by every test that evaluates.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_paths.h"

namespace dact::testing {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Starts `shell_command` (sh -c, exec'd, so the pid is the command's own) with its output
// to `log`; returns its pid.
inline pid_t spawn_shell(const std::string& shell_command, const std::filesystem::path& log) {
  const std::string command = "exec " + shell_command + " > '" + log.string() + "' 2>&1";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// The dact binary with `arguments`, as spawn_shell starts it (a SIGKILL reaches dact itself).
inline pid_t spawn_dact(const std::string& arguments, const std::filesystem::path& log) {
  return spawn_shell("'" + dact_binary() + "' " + arguments, log);
}

inline bool wait_for_text(const std::filesystem::path& log, const std::string& text, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (read_text(log).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

struct EvaluationFixture {
  std::filesystem::path dataset, features, reference;
};

// The Fashion-MNIST test split as shards, a feature classifier trained briefly on it and
// its reference statistics: made once per dact binary (under a file lock, as ctest may
// run the tests at once).
inline EvaluationFixture shared_evaluation_fixture() {
  namespace fs = std::filesystem;
  const auto stamp = fs::last_write_time(dact_binary()).time_since_epoch().count();
  const fs::path root = fs::temp_directory_path() / ("dact_evaluator_fixture_" + std::to_string(stamp));
  fs::create_directories(root);
  EvaluationFixture fixture{root / "data" / "test", root / "classifier.h5", root / "reference.h5"};
  const int lock = ::open((root / "lock").c_str(), O_CREAT | O_RDWR, 0600);
  ::flock(lock, LOCK_EX);
  if (!fs::exists(root / "ready")) {
    const std::string dact = dact_binary();
    const std::string log = " >> " + (root / "setup.log").string() + " 2>&1";
    // The classifier trains on (a part of) the test split, exposed as both of its splits.
    fs::create_directories(root / "classifier_data");
    const std::vector<std::string> steps = {
        dact + " dataset convert --source " + fashion_mnist_dir() + " --dest " + (root / "data").string() +
            " --split test --resolution 32",
        "ln -sfn " + fixture.dataset.string() + " " + (root / "classifier_data" / "train").string(),
        "ln -sfn " + fixture.dataset.string() + " " + (root / "classifier_data" / "test").string(),
        dact + " features train --dataset " + (root / "classifier_data").string() + " --out " +
            fixture.features.string() + " --epochs 1 --max-train 2000 --max-test 500 --threads 1",
        dact + " eval ref --dataset " + fixture.dataset.string() + " --features " + fixture.features.string() +
            " --out " + fixture.reference.string() + " --max-features 2000",
    };
    for (const std::string& step : steps) {
      if (std::system((step + log).c_str()) != 0) {
        ::close(lock);
        throw std::runtime_error("fixture step failed: " + step + "; see " + (root / "setup.log").string());
      }
    }
    std::ofstream(root / "ready") << "ok\n";
  }
  ::close(lock);
  return fixture;
}

}  // namespace dact::testing
