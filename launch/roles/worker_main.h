#pragma once
// The body of `dact worker`: joins the MPI world, finds this rank's role from the
// run's config, and runs it. A failing role logs its rank and role and ends the world
// (MPI_Abort), so no rank waits forever for a dead peer.
#include <cstdint>
#include <string>

namespace dact::launch {

void run_worker(const std::string& run_dir, int64_t resume_step);

}  // namespace dact::launch
