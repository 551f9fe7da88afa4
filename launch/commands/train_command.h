#pragma once
// `dact train` (starts a run, or resumes one, under mpirun) and `dact worker` (one rank
// of that MPI world; started by `dact train`, not by hand).
#include <CLI/CLI.hpp>

namespace dact::launch {

void add_train_commands(CLI::App& app);

}  // namespace dact::launch
