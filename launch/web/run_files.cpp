#include "launch/web/run_files.h"

#include <fstream>
#include <iterator>

namespace dact::launch {

JsonLinesChunk read_json_lines(const std::string& path, uint64_t offset, uint64_t max_bytes) {
  JsonLinesChunk chunk;
  std::ifstream file(path, std::ios::binary);
  if (!file) return chunk;
  file.seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(file.tellg());
  if (offset > size) {
    offset = 0;
    chunk.restarted = true;
  }
  chunk.next = offset;
  file.seekg(static_cast<std::streamoff>(offset));
  std::string text(static_cast<size_t>(std::min(size - offset, max_bytes)), '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  size_t end = text.rfind('\n');
  if (end == std::string::npos) {  // one line longer than max_bytes: read on to its end
    std::string line;
    if (!std::getline(file, line) || file.eof()) return chunk;  // no newline yet: torn
    text += line + '\n';
    end = text.size() - 1;
  }
  text.resize(end + 1);
  chunk.next = offset + text.size();
  chunk.text = std::move(text);
  return chunk;
}

namespace {

std::optional<nlohmann::json> parse_object(const std::string& line) {
  nlohmann::json value = nlohmann::json::parse(line, nullptr, false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<nlohmann::json> last_json_line(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  // The last lines of a long file: a stats line is ~300 bytes.
  const std::streamoff start = std::max<std::streamoff>(0, size - 64 * 1024);
  file.seekg(start);
  std::string tail{std::istreambuf_iterator<char>(file), {}};
  const size_t last_newline = tail.rfind('\n');
  if (last_newline == std::string::npos) return std::nullopt;
  tail.resize(last_newline);  // drop a torn last line
  for (size_t end = tail.size(); end != std::string::npos && end > 0;) {
    const size_t begin = tail.rfind('\n', end - 1);
    const size_t from = begin == std::string::npos ? 0 : begin + 1;
    if (from == 0 && start > 0) break;  // possibly a cut line
    if (auto value = parse_object(tail.substr(from, end - from))) return value;
    if (begin == std::string::npos) break;
    end = begin;
  }
  return std::nullopt;
}

std::vector<nlohmann::json> json_lines(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream file(path, std::ios::binary);
  for (std::string line; std::getline(file, line);) {
    if (file.eof()) break;  // no newline after it: a torn last line
    if (auto value = parse_object(line)) rows.push_back(std::move(*value));
  }
  return rows;
}

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  return std::string{std::istreambuf_iterator<char>(file), {}};
}

}  // namespace dact::launch
