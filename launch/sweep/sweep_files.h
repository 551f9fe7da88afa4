#pragma once
// What a post-hoc EMA sweep has finished, on disk, so a sweep interrupted and started
// again continues where it stopped: the table RUN/sweeps/<name>.jsonl (one line per
// measured pair, rewritten whole at each new line) and the results of the parts of
// pairs not yet measured, RUN/sweeps/<name>/parts/<pair>-<part>.bin (removed once their
// pair's line is in the table). Every write is atomic (temp name, fsync, rename): after
// a kill a file is either complete or absent.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "actors/bytes.h"
#include "launch/sweep/sweep_plan.h"
#include "storage/run_directory.h"

namespace dact::launch {

class SweepFiles {
 public:
  SweepFiles(const storage::RunDirectory& run, const std::string& name);

  std::string plan_path() const { return dir_ + "/plan.json"; }
  std::string reconstruction_dir() const { return dir_ + "/ema"; }
  const std::string& table_path() const { return table_path_; }

  // The table's lines by pair of `plan` (a line matches the pair with its std and
  // guidance). Throws storage::StorageError naming the table for a line that is no
  // JSON or matches no pair of the plan.
  std::map<size_t, nlohmann::json> read_table(const SweepPlan& plan) const;
  // Lines in pair order.
  void write_table(const std::map<size_t, nlohmann::json>& lines) const;

  std::optional<actors::Bytes> stored_part(size_t pair, int64_t part) const;
  void store_part(size_t pair, int64_t part, const actors::Bytes& result) const;
  void remove_parts(size_t pair, int64_t parts) const;

 private:
  std::string part_path(size_t pair, int64_t part) const;

  std::string dir_;
  std::string table_path_;
};

// A table line's FD, under whichever name its image count gave it (fd64, fd10k).
double sweep_line_fd(const nlohmann::json& line);

}  // namespace dact::launch
