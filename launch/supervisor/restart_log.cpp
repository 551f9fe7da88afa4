#include "launch/supervisor/restart_log.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

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
  std::ifstream in(stats_path, std::ios::binary);
  if (!in) return 0;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff tail = std::min<std::streamoff>(size, 65536);
  in.seekg(size - tail);
  std::string text(static_cast<size_t>(tail), '\0');
  in.read(text.data(), tail);
  int64_t step = 0;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    const nlohmann::json entry = nlohmann::json::parse(text.substr(start, end - start), nullptr, false);
    if (entry.is_object() && entry.contains("step")) step = entry["step"].get<int64_t>();
  }
  return step;
}

}  // namespace dact::launch
