#pragma once
// `dact report`: the run page as one self-contained HTML file, its data (stats, metrics,
// restarts, config, preview grids as data: URLs) embedded, for a run that has ended or
// whose cluster cannot be reached from a browser.
#include <string>

#include "storage/run_directory.h"

namespace dact::launch {

std::string run_report_html(const storage::RunDirectory& run);

}  // namespace dact::launch
