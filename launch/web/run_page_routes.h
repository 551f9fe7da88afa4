#pragma once
// The run page's routes on the coordinator's HTTP endpoint (GET only, beside /status):
//   /                                   the page (launch/web/run_page.html)
//   /api/lines/{stats,metrics,restarts}?offset=N
//                                       {"text", "next", "restarted"}: whole lines from
//                                       byte N, at most 1 MiB per request
//   /api/config                         RUN/config.json
//   /api/previews                       {"previews": [{kimg, nimg, src}, ...]}, the grids present
//   /samples/<time>.png                 one preview grid (storage::nimg_name)
// Files are read per request, a bounded amount, on the coordinator's loop thread.
#include "coordinator/status_server.h"
#include "storage/run_directory.h"

namespace dact::launch {

coordinator::PageSource run_page_routes(const storage::RunDirectory& run);

}  // namespace dact::launch
