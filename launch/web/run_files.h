#pragma once
// What the run page, `dact status` and `dact report` read from a run directory, read
// so that a file being appended to by a live run is never half-read: JSON-lines files
// in chunks of whole lines from a byte offset, the last whole line, the preview grids.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "storage/run_directory.h"

namespace dact::launch {

// Whole lines of a JSON-lines file from `offset`: at most max_bytes (but at least one
// line, however long), and `next` = the offset after the last whole line. A file shorter
// than `offset` (a run directory started afresh) is read from 0 with `restarted` set.
// A missing file is an empty chunk.
struct JsonLinesChunk {
  std::string text;
  uint64_t next = 0;
  bool restarted = false;
};
JsonLinesChunk read_json_lines(const std::string& path, uint64_t offset, uint64_t max_bytes);

// The last whole line of a JSON-lines file that parses as a JSON object; nullopt if none.
std::optional<nlohmann::json> last_json_line(const std::string& path);

// Every line that parses as a JSON object (a torn or garbled line is skipped).
std::vector<nlohmann::json> json_lines(const std::string& path);

// The whole file, or nullopt if it cannot be read.
std::optional<std::string> read_whole_file(const std::string& path);

}  // namespace dact::launch
