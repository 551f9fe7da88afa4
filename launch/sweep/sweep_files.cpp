#include "launch/sweep/sweep_files.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <cstring>
#include <iterator>

#include "storage/atomic_file.h"
#include "storage/storage_error.h"
#include "workers/evaluator/evaluation_protocol.h"

namespace dact::launch {

namespace fs = std::filesystem;

SweepFiles::SweepFiles(const storage::RunDirectory& run, const std::string& name)
    : dir_(run.sweep_dir(name)), table_path_(run.sweep_table_path(name)) {}

std::map<size_t, nlohmann::json> SweepFiles::read_table(const SweepPlan& plan) const {
  std::map<size_t, nlohmann::json> lines;
  std::ifstream file(table_path_);
  int line_number = 0;
  for (std::string text; std::getline(file, text);) {
    ++line_number;
    const nlohmann::json line = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!line.is_object() || !line.contains("std") || !line.contains("guidance")) {
      throw storage::StorageError(table_path_, fmt::format("line {} is no sweep line", line_number));
    }
    size_t pair = 0;
    while (pair < plan.pair_count() &&
           !(plan.std_of(pair) == line["std"].get<double>() && plan.guidance_of(pair) == line["guidance"].get<double>())) {
      ++pair;
    }
    if (pair == plan.pair_count()) {
      throw storage::StorageError(table_path_, fmt::format("line {} (std {}, guidance {}) is not in the sweep's grid",
                                                           line_number, line["std"].dump(), line["guidance"].dump()));
    }
    lines[pair] = line;
  }
  return lines;
}

void SweepFiles::write_table(const std::map<size_t, nlohmann::json>& lines) const {
  std::string text;
  for (const auto& [pair, line] : lines) text += line.dump() + "\n";
  storage::write_file_atomically(table_path_, text);
}

std::string SweepFiles::part_path(size_t pair, int64_t part) const {
  return fmt::format("{}/parts/{}-{}.bin", dir_, pair, part);
}

std::optional<actors::Bytes> SweepFiles::stored_part(size_t pair, int64_t part) const {
  std::ifstream file(part_path(pair, part), std::ios::binary);
  if (!file) return std::nullopt;
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  actors::Bytes result(bytes.size());
  std::memcpy(result.data(), bytes.data(), bytes.size());
  return result;
}

void SweepFiles::store_part(size_t pair, int64_t part, const actors::Bytes& result) const {
  fs::create_directories(dir_ + "/parts");
  storage::write_file_atomically(part_path(pair, part),
                                 std::string_view(reinterpret_cast<const char*>(result.data()), result.size()));
}

void SweepFiles::remove_parts(size_t pair, int64_t parts) const {
  for (int64_t part = 0; part < parts; ++part) fs::remove(part_path(pair, part));
}

double sweep_line_fd(const nlohmann::json& line) {
  const std::optional<std::string> key = workers::evaluator::fd_key_of_metrics_line(line);
  if (!key) throw std::invalid_argument("a sweep line without an FD: " + line.dump());
  return line.at(*key).get<double>();
}

}  // namespace dact::launch
