#pragma once
// `dact ema sweep-world --run-dir RUN --name NAME`: one rank of the MPI world `dact ema
// sweep` starts. Rank 0 is the coordinator with the sweep's evaluations
// (sweep_evaluations.h) and the TCP listener evaluators join through; every other rank
// is an evaluator, as in a training run. A failing rank logs why and ends the world.
#include <string>

namespace dact::launch {

void run_sweep_world(const std::string& run_dir, const std::string& name);

}  // namespace dact::launch
