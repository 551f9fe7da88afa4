#pragma once
// RUN/failure.json: which rank of the MPI world failed first, and why. A rank whose role
// throws writes it before it ends the world (worker_main.cpp); the supervisor reads it to
// log the restart, and removes it before it starts the next world.
#include <cstdint>
#include <optional>
#include <string>

namespace dact::launch {

struct FailureRecord {
  int rank = -1;
  std::string role;  // e.g. "trainer"
  int role_index = -1;
  std::string error;  // the exception's message
  double time = 0;    // unix seconds
};

// Writes `record` unless the file already exists (the first failure wins; later ones are
// usually consequences of it). The file appears complete or not at all. Never throws:
// a failing rank must still go on to end the world.
void record_failure(const std::string& path, const FailureRecord& record);

// Now, in unix seconds (FailureRecord::time and the restart log's times).
double unix_time_s();

// The record in `path`, or nothing when there is none or it does not parse.
std::optional<FailureRecord> read_failure(const std::string& path);

}  // namespace dact::launch
