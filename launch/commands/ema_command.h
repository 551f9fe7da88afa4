#pragma once
// `dact ema solve`: prints EDM2's post-hoc EMA coefficients as JSON
// {"coefficients": [[...], ...]} (row i = input snapshot i, column k = output
// std k, %.17g). Invalid inputs throw std::invalid_argument from the callback;
// run_cli turns it into "dact: error: ..." with exit code 1.
#include <CLI/CLI.hpp>

namespace dact::launch {

// Registers the `ema` subcommand group (solve) on `app`.
void add_ema_commands(CLI::App& app);

}  // namespace dact::launch
