#include "launch/supervisor/failure_record.h"

#include <glog/logging.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "storage/atomic_file.h"

namespace dact::launch {

double unix_time_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void record_failure(const std::string& path, const FailureRecord& record) {
  const nlohmann::json json = {{"rank", record.rank},   {"role", record.role},
                               {"role_index", record.role_index}, {"error", record.error},
                               {"time", record.time}};
  // Complete file under a private name, then link() it into place: link fails when
  // the target exists, so the first writer wins and nobody sees a partial file.
  const std::string staged = path + ".rank-" + std::to_string(record.rank);
  try {
    // The message may quote a peer's bytes: invalid UTF-8 is replaced, never thrown on.
    storage::write_file_atomically(staged, json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    if (::link(staged.c_str(), path.c_str()) != 0 && errno != EEXIST) {
      LOG(ERROR) << "cannot record the failure in " << path << ": " << std::strerror(errno);
    }
  } catch (const std::exception& e) {
    LOG(ERROR) << "cannot record the failure in " << path << ": " << e.what();
  }
  ::unlink(staged.c_str());
}

std::optional<FailureRecord> read_failure(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  try {
    const nlohmann::json json = nlohmann::json::parse(in);
    FailureRecord record;
    record.rank = json.at("rank").get<int>();
    record.role = json.at("role").get<std::string>();
    record.role_index = json.at("role_index").get<int>();
    record.error = json.at("error").get<std::string>();
    record.time = json.at("time").get<double>();
    return record;
  } catch (const std::exception& e) {
    LOG(WARNING) << "ignoring unreadable " << path << ": " << e.what();
    return std::nullopt;
  }
}

}  // namespace dact::launch
