#include "launch/supervisor/restart_log.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "launch/web/run_files.h"
#include "storage/run_directory.h"

namespace dact::launch {

void append_restart_record(const std::string& path, const RestartRecord& record) {
  const WorldFailure& failure = record.failure;
  const nlohmann::json line = {
      {"time", record.time},
      {"restart", record.restart},
      {"cause", failure.cause},
      {"rank", failure.rank},
      {"role", failure.role},
      {"role_index", failure.role_index},
      {"exit_code", failure.exit_code},
      {"signal", failure.signal},
      {"error", failure.error},
      {"host", failure.host},
      {"failed_after_step", record.failed_after_step},
      {"resumed_from_step", record.resumed_from_step},
      {"work_lost_steps", record.work_lost_steps()},
      {"backoff_s", record.backoff_s},
  };
  // A rank's message may quote a peer's bytes: invalid UTF-8 is replaced, never thrown on.
  storage::append_json_line(path, line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

int64_t last_reported_step(const std::string& stats_path) {
  const std::optional<nlohmann::json> last = last_json_line(stats_path);
  return last && last->contains("step") ? last->at("step").get<int64_t>() : 0;
}

}  // namespace dact::launch
