#include "launch/supervisor/checkpoint_retention.h"

#include <glog/logging.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>

#include "launch/run_setup.h"
#include "storage/storage_error.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

// Steps with a checkpoint or an EMA state file, newest first.
std::vector<int64_t> steps_with_any_file(const storage::RunDirectory& run) {
  // At most 18 digits: always an int64_t, so std::stoll cannot throw on a stray file name.
  static const std::regex pattern(R"((?:checkpoint|ema)-(\d{1,18})\.h5)");
  std::set<int64_t> steps;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run.root() + "/checkpoints", error)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, match, pattern)) steps.insert(std::stoll(match[1].str()));
  }
  return {steps.rbegin(), steps.rend()};
}

}  // namespace

std::vector<int64_t> prune_checkpoints(const storage::RunDirectory& run, const std::string& config_hash,
                                       const RetentionPolicy& policy) {
  std::vector<int64_t> deleted;
  if (policy.keep_last <= 0) return deleted;
  const std::vector<int64_t> steps = steps_with_any_file(run);
  int64_t newest_verified = -1;
  for (int64_t step : steps) {
    try {
      verify_checkpoint(run.root(), step, config_hash);
      newest_verified = step;
      break;
    } catch (const storage::StorageError&) {
      // Not complete yet, or corrupt: never a candidate, and not the anchor either.
    }
  }
  if (newest_verified < 0) return deleted;
  int complete_kept = 0;
  for (int64_t step : steps) {
    if (step > newest_verified) continue;
    const bool complete = fs::exists(run.checkpoint_path(step)) && fs::exists(run.ema_state_path(step));
    const bool recent = complete && complete_kept < policy.keep_last;
    if (recent) ++complete_kept;
    const bool milestone = policy.keep_every_steps > 0 && step % policy.keep_every_steps == 0;
    if (recent || milestone) continue;
    std::error_code error;
    fs::remove(run.checkpoint_path(step), error);
    fs::remove(run.ema_state_path(step), error);
    deleted.push_back(step);
  }
  if (!deleted.empty()) {
    LOG(INFO) << "retention: deleted " << deleted.size() << " checkpoints (steps " << deleted.back() << ".."
              << deleted.front() << "), newest verified step " << newest_verified;
  }
  return deleted;
}

int remove_stale_temp_files(const storage::RunDirectory& run) {
  static const std::regex temp_name(R"(.+\.tmp-\d+)");
  int removed = 0;
  for (const char* sub : {"checkpoints", "snapshots", "samples", ""}) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(fs::path(run.root()) / sub, error)) {
      const std::string name = entry.path().filename().string();
      if (!std::regex_match(name, temp_name)) continue;
      LOG(WARNING) << "removing " << entry.path().string() << ", left by a writer that did not finish";
      fs::remove(entry.path(), error);
      ++removed;
    }
  }
  return removed;
}

}  // namespace dact::launch
