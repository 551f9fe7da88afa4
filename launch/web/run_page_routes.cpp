#include "launch/web/run_page_routes.h"

#include <filesystem>
#include <regex>

#include "launch/web/run_files.h"
#include "launch/web/run_page_html.h"
#include "storage/nimg_name.h"

namespace dact::launch {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxChunkBytes = 1 << 20;

// The value of `key` in a query string "a=1&b=2", if it is a plain decimal number.
std::optional<uint64_t> query_number(const std::string& query, const std::string& key) {
  static const std::regex kPair(R"((?:^|&)([a-z]+)=(\d{1,19})(?=&|$))");
  for (std::sregex_iterator it(query.begin(), query.end(), kPair), end; it != end; ++it) {
    if ((*it)[1] == key) return std::stoull((*it)[2]);
  }
  return std::nullopt;
}

std::string json_lines_path(const storage::RunDirectory& run, const std::string& name) {
  if (name == "stats") return run.stats_path();
  if (name == "metrics") return run.metrics_path();
  if (name == "restarts") return run.restarts_path();
  return "";
}

}  // namespace

coordinator::PageSource run_page_routes(const storage::RunDirectory& run) {
  return [run](const std::string& path, const std::string& query) -> std::optional<coordinator::HttpReply> {
    static const std::regex kLines(R"(/api/lines/([a-z]+))");
    static const std::regex kGrid(R"(/samples/([0-9.]+)\.png)");
    std::smatch match;
    if (path == "/" || path == "/index.html") return coordinator::HttpReply{200, "text/html; charset=utf-8", run_page_html()};
    if (std::regex_match(path, match, kLines)) {
      const std::string file = json_lines_path(run, match[1]);
      if (file.empty()) return std::nullopt;
      const JsonLinesChunk chunk = read_json_lines(file, query_number(query, "offset").value_or(0), kMaxChunkBytes);
      const nlohmann::json body = {{"text", chunk.text}, {"next", chunk.next}, {"restarted", chunk.restarted}};
      return coordinator::HttpReply{200, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
    }
    if (path == "/api/config") {
      std::optional<std::string> config = read_whole_file(run.config_path());
      if (!config) return std::nullopt;
      return coordinator::HttpReply{200, "application/json", std::move(*config)};
    }
    if (path == "/api/previews") {
      nlohmann::json previews = nlohmann::json::array();
      for (int64_t nimg : run.sample_grid_nimgs()) {
        const std::string file = fs::path(run.sample_grid_path(nimg)).filename().string();
        previews.push_back({{"kimg", static_cast<double>(nimg) / 1000}, {"nimg", nimg}, {"src", "/samples/" + file}});
      }
      return coordinator::HttpReply{200, "application/json", nlohmann::json{{"previews", previews}}.dump()};
    }
    if (std::regex_match(path, match, kGrid)) {
      const std::optional<int64_t> nimg = storage::parse_nimg_name(match[1]);
      if (!nimg) return std::nullopt;
      std::optional<std::string> png = read_whole_file(run.sample_grid_path(*nimg));
      if (!png) return std::nullopt;
      return coordinator::HttpReply{200, "image/png", std::move(*png)};
    }
    return std::nullopt;
  };
}

}  // namespace dact::launch
