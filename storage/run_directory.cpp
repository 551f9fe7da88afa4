#include "storage/run_directory.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <regex>

#include "storage/atomic_file.h"
#include "storage/nimg_name.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace {

namespace fs = std::filesystem;

// `pattern` captures at most 18 digits, so std::stoll cannot overflow on a stray name.
std::vector<int64_t> numbers_in_names(const std::string& dir, const std::regex& pattern) {
  std::vector<int64_t> numbers;
  if (!fs::is_directory(dir)) return numbers;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, match, pattern)) numbers.push_back(std::stoll(match[1].str()));
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

// Image counts of the files "<prefix><time><suffix>" in dir (temporary names end
// otherwise). A malformed <time> throws naming the file, or with skip_malformed is passed over.
std::vector<int64_t> nimgs_in_names(const std::string& dir, const std::string& prefix, const std::string& suffix,
                                    bool skip_malformed) {
  std::vector<int64_t> nimgs;
  if (!fs::is_directory(dir)) return nimgs;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string time = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (skip_malformed) {
      if (std::optional<int64_t> nimg = parse_nimg_name(time)) nimgs.push_back(*nimg);
    } else {
      nimgs.push_back(nimg_of_name(time, entry.path().string()));
    }
  }
  std::sort(nimgs.begin(), nimgs.end());
  return nimgs;
}

}  // namespace

RunDirectory::RunDirectory(std::string root) : root_(std::move(root)) {}

void RunDirectory::create() const {
  for (const char* sub : {"", "checkpoints", "snapshots", "samples"}) {
    const fs::path dir = fs::path(root_) / sub;
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) throw StorageError(dir.string(), "cannot create directory: " + error.message());
  }
}

std::string RunDirectory::config_path() const { return root_ + "/config.json"; }
std::string RunDirectory::stats_path() const { return root_ + "/stats.jsonl"; }
std::string RunDirectory::metrics_path() const { return root_ + "/metrics.jsonl"; }
std::string RunDirectory::log_path() const { return root_ + "/log.txt"; }
std::string RunDirectory::restarts_path() const { return root_ + "/restarts.jsonl"; }
std::string RunDirectory::failure_path() const { return root_ + "/failure.json"; }
std::string RunDirectory::stop_request_path() const { return root_ + "/stop_request"; }

std::string RunDirectory::checkpoint_path(int64_t step) const {
  return fmt::format("{}/checkpoints/checkpoint-{:08d}.h5", root_, step);
}
std::string RunDirectory::ema_state_path(int64_t step) const {
  return fmt::format("{}/checkpoints/ema-{:08d}.h5", root_, step);
}
std::string RunDirectory::snapshot_path(int64_t nimg) const {
  return root_ + "/snapshots/snapshot-" + nimg_name(nimg) + ".h5";
}
std::string RunDirectory::sample_grid_path(int64_t nimg) const { return root_ + "/samples/" + nimg_name(nimg) + ".png"; }

std::string RunDirectory::sweep_dir(const std::string& name) const { return root_ + "/sweeps/" + name; }

std::string RunDirectory::sweep_table_path(const std::string& name) const { return sweep_dir(name) + ".jsonl"; }

std::string RunDirectory::sweep_plot_path(const std::string& name) const { return sweep_dir(name) + ".png"; }

std::vector<int64_t> RunDirectory::checkpoint_steps() const {
  std::vector<int64_t> steps =
      numbers_in_names(root_ + "/checkpoints", std::regex(R"(checkpoint-(\d{1,18})\.h5)"));
  std::reverse(steps.begin(), steps.end());
  return steps;
}

std::vector<int64_t> RunDirectory::snapshot_nimgs() const {
  // A snapshot passed over would silently change every post-hoc reconstruction.
  return nimgs_in_names(root_ + "/snapshots", "snapshot-", ".h5", /*skip_malformed=*/false);
}

std::vector<int64_t> RunDirectory::sample_grid_nimgs() const {
  // A stray picture beside the grids must not take the run page down.
  return nimgs_in_names(root_ + "/samples", "", ".png", /*skip_malformed=*/true);
}

void append_json_line(const std::string& path, const std::string& json_line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw StorageError(path, std::string("cannot open to append a line: ") + std::strerror(errno));
  try {
    write_fully(fd, json_line + '\n', path);  // one write() per line under O_APPEND
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

}  // namespace dact::storage
