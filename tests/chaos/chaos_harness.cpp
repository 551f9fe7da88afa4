#include "tests/chaos/chaos_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "storage/tensor_file.h"
#include "tests/support/child_process.h"
#include "tests/support/test_paths.h"

namespace dact::chaos {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string read_proc_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> split_nul(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  std::istringstream stream(text);
  while (std::getline(stream, word, '\0')) words.push_back(word);
  return words;
}

}  // namespace

std::string read_text(const std::string& path) { return read_proc_file(path); }

TrainProcess start_train(const std::vector<std::string>& arguments, const std::string& output_path,
                         const std::vector<std::string>& environment) {
  TrainProcess process;
  process.output_path = output_path;
  const std::string binary = testing::dact_binary();
  process.pid = ::fork();
  if (process.pid == 0) {
    const int out = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    for (const std::string& assignment : environment) ::putenv(const_cast<char*>(assignment.c_str()));
    std::vector<char*> argv{const_cast<char*>(binary.c_str()), const_cast<char*>("train")};
    for (const std::string& word : arguments) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  return process;
}

int wait_exit(const TrainProcess& process, double timeout_s) { return testing::wait_exit(process.pid, timeout_s); }

long last_stats_step(const std::string& run_dir) {
  std::ifstream in(run_dir + "/stats.jsonl");
  long step = 0;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_object() && entry.contains("step")) step = entry["step"].get<long>();
  }
  return step;
}

bool wait_for_step(const TrainProcess& process, const std::string& run_dir, long step, double timeout_s) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  while (Clock::now() < deadline) {
    if (last_stats_step(run_dir) >= step) return true;
    if (::waitpid(process.pid, nullptr, WNOHANG) != 0) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

pid_t find_rank_pid(const std::string& run_dir, int rank) {
  const std::string rank_variable = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::vector<std::string> argv = split_nul(read_proc_file(entry.path() / "cmdline"));
    bool is_worker = false;
    for (size_t i = 0; i + 1 < argv.size(); ++i) {
      if (argv[i] == "--run-dir" && argv[i + 1] == run_dir) is_worker = true;
    }
    if (!is_worker || argv.size() < 2 || argv[1] != "worker") continue;
    for (const std::string& variable : split_nul(read_proc_file(entry.path() / "environ"))) {
      if (variable == rank_variable) return static_cast<pid_t>(std::stol(name));
    }
  }
  return -1;
}

std::string compare_tensor_files(const std::string& a_path, const std::string& b_path) {
  const storage::TensorFile a = storage::read_tensor_file(a_path);
  const storage::TensorFile b = storage::read_tensor_file(b_path);
  if (a.tensors.size() != b.tensors.size()) return a_path + " and " + b_path + " hold different tensor counts";
  for (const auto& [name, tensor] : a.tensors) {
    const auto other = b.tensors.find(name);
    if (other == b.tensors.end()) return b_path + " lacks " + name;
    if (!torch::equal(tensor, other->second)) return name + " differs between " + a_path + " and " + b_path;
  }
  return "";
}

}  // namespace dact::chaos
