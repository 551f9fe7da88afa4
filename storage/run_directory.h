#pragma once
// The layout of a run directory (DESIGN.md "Run directory"): every path a run reads
// or writes comes from here, so the layout is stated once.
//
//   RUN/config.json                       resolved config, with its hash
//   RUN/stats.jsonl, metrics.jsonl        one JSON object per line
//   RUN/checkpoints/checkpoint-<step>.h5  trainer state (weights, Adam, position)
//   RUN/checkpoints/ema-<step>.h5         EMA tracks at the same step
//   RUN/snapshots/snapshot-<time>.h5      raw power-EMA tracks, for reconstruction
//   RUN/samples/<time>.png                preview grids
//   RUN/sweeps/<name>.jsonl, <name>.png   a post-hoc EMA sweep's table and plot
//   RUN/sweeps/<name>/                    ... its plan, reconstructions and finished parts
//   RUN/restarts.jsonl                    one line per restart by the supervisor
//   RUN/failure.json                      the first rank that failed in the current world
//   RUN/stop_request                      present: the world is asked to stop early
// <time> is the storage::nimg_name of the training images seen (KKKKKK, or KKKKKK.FFF).
#include <cstdint>
#include <string>
#include <vector>

namespace dact::storage {

class RunDirectory {
 public:
  explicit RunDirectory(std::string root);

  // Makes the folders; throws StorageError naming the one that cannot be made.
  void create() const;

  const std::string& root() const { return root_; }
  std::string config_path() const;
  std::string stats_path() const;
  std::string metrics_path() const;
  std::string log_path() const;
  std::string restarts_path() const;
  std::string failure_path() const;
  std::string stop_request_path() const;
  std::string checkpoint_path(int64_t step) const;
  std::string ema_state_path(int64_t step) const;
  std::string snapshot_path(int64_t nimg) const;
  std::string sample_grid_path(int64_t nimg) const;
  std::string sweep_dir(const std::string& name) const;
  std::string sweep_table_path(const std::string& name) const;
  std::string sweep_plot_path(const std::string& name) const;

  // Steps with a checkpoint file, newest first (files are not verified here).
  std::vector<int64_t> checkpoint_steps() const;
  // Image counts of the snapshots and of the preview grids present, oldest first. A
  // snapshot-*.h5 with a malformed time throws std::invalid_argument naming it; a *.png
  // that is no grid's name is passed over.
  std::vector<int64_t> snapshot_nimgs() const;
  std::vector<int64_t> sample_grid_nimgs() const;

 private:
  std::string root_;
};

// Appends one line to a JSON-lines file and flushes it (a line is the unit of
// progress a user watches; a torn last line is skipped by readers).
void append_json_line(const std::string& path, const std::string& json_line);

}  // namespace dact::storage
