#pragma once
// `dact ema sweep`: EDM2's way of choosing the EMA length after training. Reconstructs
// every std of --stds from the run's snapshots in one pass over the snapshot files, then
// evaluates every (std, guidance) pair on evaluator actors (an MPI world started for the
// sweep, plus any `dact evaluator --run-dir RUN` that joins over TCP), writes
// RUN/sweeps/<name>.jsonl and .png and prints the best pair. Started again after an
// interruption it continues with what is not finished. `dact ema sweep-world` is one
// rank of that world.
#include <CLI/CLI.hpp>

namespace dact::launch {

// Registers `sweep` and `sweep-world` on the `ema` command group.
void add_ema_sweep_commands(CLI::App& ema);

}  // namespace dact::launch
