#pragma once
// `dact status --run-dir RUN [--watch]`: the run at a glance (launch/web/run_summary.h).
// `dact report --run-dir RUN --out FILE`: the run page as one file (launch/web/run_report.h).
#include <CLI/CLI.hpp>

namespace dact::launch {

void add_status_commands(CLI::App& app);

}  // namespace dact::launch
