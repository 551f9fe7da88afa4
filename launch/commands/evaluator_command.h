#pragma once
// `dact evaluator --join HOST:PORT --run-dir RUN [--token-file F] [--name N]`: join a
// running run as an evaluator (launch/roles/joined_evaluator.h).
#include <CLI/CLI.hpp>

namespace dact::launch {

void add_evaluator_command(CLI::App& app);

}  // namespace dact::launch
