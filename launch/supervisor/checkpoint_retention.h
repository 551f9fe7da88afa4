#pragma once
// Which checkpoints (checkpoint-<step>.h5 + ema-<step>.h5 pairs) a run keeps, and the
// clean-up of files that killed writers leave behind. Both run in the supervisor.
#include <cstdint>
#include <string>
#include <vector>

#include "storage/run_directory.h"

namespace dact::launch {

struct RetentionPolicy {
  int keep_last = 0;              // newest complete pairs kept; 0 = keep everything
  int64_t keep_every_steps = 0;   // pairs at multiples of this are kept too; 0 = none
};

// Deletes the pairs the policy does not keep. Only pairs older than the newest pair that
// verifies (read in full) are candidates, so the resume point and anything being written
// are never touched, and a corrupted newest pair leaves the older ones in place.
// Returns the deleted steps.
std::vector<int64_t> prune_checkpoints(const storage::RunDirectory& run, const std::string& config_hash,
                                       const RetentionPolicy& policy);

// Removes the temporary files (AtomicFile's "<name>.tmp-<pid>") a killed writer left in
// checkpoints/, snapshots/ and samples/; call only while no world runs. Returns how many.
int remove_stale_temp_files(const storage::RunDirectory& run);

}  // namespace dact::launch
