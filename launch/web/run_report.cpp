#include "launch/web/run_report.h"

#include <boost/archive/iterators/base64_from_binary.hpp>
#include <boost/archive/iterators/transform_width.hpp>
#include <nlohmann/json.hpp>

#include <stdexcept>

#include "launch/web/run_files.h"
#include "launch/web/run_page_html.h"

namespace dact::launch {

namespace {

std::string base64(const std::string& bytes) {
  using namespace boost::archive::iterators;
  using Encoder = base64_from_binary<transform_width<std::string::const_iterator, 6, 8>>;
  std::string text(Encoder(bytes.begin()), Encoder(bytes.end()));
  return text.append((3 - bytes.size() % 3) % 3, '=');
}

// JSON that is safe inside <script>: no '<' can open "</script>" or "<!--".
std::string script_safe(const std::string& json) {
  std::string text;
  for (char c : json) text += c == '<' ? std::string("\\u003c") : std::string(1, c);
  return text;
}

}  // namespace

std::string run_report_html(const storage::RunDirectory& run) {
  nlohmann::json data = {{"lines", nlohmann::json::object()}, {"previews", nlohmann::json::array()}};
  data["lines"]["stats"] = read_whole_file(run.stats_path()).value_or("");
  data["lines"]["metrics"] = read_whole_file(run.metrics_path()).value_or("");
  data["lines"]["restarts"] = read_whole_file(run.restarts_path()).value_or("");
  const std::optional<std::string> config = read_whole_file(run.config_path());
  if (!config) throw std::runtime_error(run.config_path() + ": cannot read it; is " + run.root() + " a run directory?");
  data["config"] = nlohmann::json::parse(*config, nullptr, false);
  for (int64_t nimg : run.sample_grid_nimgs()) {
    if (std::optional<std::string> png = read_whole_file(run.sample_grid_path(nimg))) {
      data["previews"].push_back({{"kimg", static_cast<double>(nimg) / 1000},
                                  {"nimg", nimg},
                                  {"src", "data:image/png;base64," + base64(*png)}});
    }
  }
  std::string page = run_page_html();
  const size_t first_script = page.find("<script>");
  const std::string embedded =
      "<script>window.DACT_RUN = " +
      script_safe(data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) + ";</script>\n";
  return page.insert(first_script, embedded);
}

}  // namespace dact::launch
