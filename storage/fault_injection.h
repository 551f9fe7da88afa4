#pragma once
// Test hook for the chaos suite: DACT_FAULT_INJECT="fail_write:<substring>:<n>" makes
// the n-th (1-based) atomic file commit in this process whose target path contains
// <substring> fail as a failing disk would (StorageError naming the file), e.g.
// "fail_write:checkpoint-:2" fails a trainer's second checkpoint. Unset: no effect
// beyond one getenv per process.
#include <string>

namespace dact::storage {

// Throws StorageError naming `path` when the injected fault is due; called by
// AtomicFile::commit before anything reaches its final name.
void maybe_inject_write_fault(const std::string& path);

}  // namespace dact::storage
