#pragma once
// A run at a glance, from its directory and (when it is up) its status endpoint: what
// `dact status` prints and `dact train` shows as its progress line on a terminal.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "storage/run_directory.h"

namespace dact::launch {

struct RunSummary {
  double duration_kimg = 0;               // 0: unknown (no readable config)
  std::optional<nlohmann::json> stats;    // the last line of stats.jsonl
  std::optional<nlohmann::json> metrics;  // the last line of metrics.jsonl
  std::optional<nlohmann::json> restart;  // the last line of restarts.jsonl
  int restarts = 0;
  std::string page_address;               // RUN/status_address, "" if absent
  std::optional<nlohmann::json> status;   // GET /status answered: the run is up
};

// Reads the files, then asks RUN/status_address for /status (at most timeout_s).
RunSummary read_run_summary(const storage::RunDirectory& run, double timeout_s);

// "[#######.............]  16.4 / 48 kimg  34%  ETA 3 min 2 s  loss 41.2  118 images/s"
std::string progress_line(const RunSummary& summary, int bar_width = 24);

// The multi-line report of `dact status`; now_s = unix time (for "... ago").
std::string describe_run(const RunSummary& summary, const std::string& run_dir, double now_s);

}  // namespace dact::launch
