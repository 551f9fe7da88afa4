#include "launch/web/run_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "launch/run_setup.h"
#include "launch/web/http_get.h"
#include "launch/web/run_files.h"
#include "workers/evaluator/evaluation_protocol.h"

namespace dact::launch {

namespace {

double number_of(const nlohmann::json& row, const char* key, double fallback = NAN) {
  auto it = row.find(key);
  return it != row.end() && it->is_number() ? it->get<double>() : fallback;
}

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t s = static_cast<int64_t>(seconds);
  if (s >= 3600) return fmt::format("{} h {} min", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{} min {} s", s / 60, s % 60);
  return fmt::format("{} s", s);
}

std::string text_of(const nlohmann::json& row, const char* key) {
  auto it = row.find(key);
  if (it == row.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// A snapshot's kimg to the image (0.064, 16, 1234.567): fractional since snapshots are
// named by their image count; old metrics lines hold whole numbers.
std::string kimg_text(double kimg) {
  std::string text = fmt::format("{:.3f}", kimg);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

// The last stats line's loss by noise level (workers/trainer/loss_by_noise_level.h) as
// a small table: one row per bucket that saw samples.
std::string noise_level_table(const nlohmann::json& stats) {
  const auto found = stats.find("loss_by_noise_level");
  if (found == stats.end() || !found->is_object()) return "";
  const nlohmann::json& levels = *found;
  const std::string of = levels.value("of", std::string("level"));
  const std::vector<double> edges = levels.value("edges", std::vector<double>());
  std::string text = fmt::format("loss by {} (all trainers, last interval):\n", of);
  for (size_t b = 0; b < levels.at("count").size(); ++b) {
    const int64_t count = levels.at("count")[b].get<int64_t>();
    if (count == 0) continue;
    const std::string range = b == 0              ? fmt::format("{} < {:g}", of, edges[0])
                              : b == edges.size() ? fmt::format("{} >= {:g}", of, edges[b - 1])
                                                  : fmt::format("{:g} <= {} < {:g}", edges[b - 1], of, edges[b]);
    text += fmt::format("  {:<22} {:>7} samples  mean {:.4g}  std {:.4g}\n", range, count,
                        levels.at("mean")[b].get<double>(), levels.at("std")[b].get<double>());
  }
  return text;
}

}  // namespace

RunSummary read_run_summary(const storage::RunDirectory& run, double timeout_s) {
  RunSummary summary;
  try {
    summary.duration_kimg = load_run_config(run.root()).run.duration_kimg;
  } catch (const std::exception&) {
    // No readable config yet (a run being set up): progress without its end.
  }
  summary.stats = last_json_line(run.stats_path());
  summary.metrics = last_json_line(run.metrics_path());
  const std::vector<nlohmann::json> restarts = json_lines(run.restarts_path());
  summary.restarts = static_cast<int>(restarts.size());
  if (!restarts.empty()) summary.restart = restarts.back();
  if (std::optional<std::string> address = read_whole_file(run.root() + "/status_address")) {
    summary.page_address = address->substr(0, address->find('\n'));
    try {
      const HostPort where = parse_host_port(summary.page_address, run.root() + "/status_address");
      if (std::optional<std::string> body = http_get(where, "/status", timeout_s)) {
        nlohmann::json status = nlohmann::json::parse(*body, nullptr, false);
        if (status.is_object()) summary.status = std::move(status);
      }
    } catch (const std::exception&) {
      // A torn or foreign address file: the run counts as not answering.
    }
  }
  return summary;
}

std::string progress_line(const RunSummary& summary, int bar_width) {
  if (!summary.stats) return "waiting for the first step";
  const nlohmann::json& stats = *summary.stats;
  const double kimg = number_of(stats, "kimg", 0), images_per_s = number_of(stats, "images_per_s");
  std::string line;
  if (summary.duration_kimg > 0) {
    const double done = std::clamp(kimg / summary.duration_kimg, 0.0, 1.0);
    const int filled = static_cast<int>(std::round(done * bar_width));
    const int decimals = summary.duration_kimg < 10 ? 3 : 1;  // short runs move in thousandths
    line = fmt::format("[{}{}]  {:.{}f} / {:g} kimg  {:.0f}%", std::string(filled, '#'),
                       std::string(bar_width - filled, '.'), kimg, decimals, summary.duration_kimg, 100 * done);
    if (images_per_s > 0 && done < 1) {
      line += "  ETA " + duration_text((summary.duration_kimg - kimg) * 1000 / images_per_s);
    }
  } else {
    line = fmt::format("{:.1f} kimg", kimg);
  }
  line += fmt::format("  loss {:.4g}  {:.0f} images/s", number_of(stats, "loss"), images_per_s);
  return line;
}

std::string describe_run(const RunSummary& summary, const std::string& run_dir, double now_s) {
  std::string text;
  if (summary.status) {
    text = fmt::format("run {}: up ({}, coordinator up {}), page http://{}/\n", run_dir,
                       text_of(*summary.status, "state"), duration_text(number_of(*summary.status, "uptime_s")),
                       summary.page_address);
  } else {
    const bool finished = summary.stats && summary.duration_kimg > 0 &&
                          number_of(*summary.stats, "kimg", 0) >= summary.duration_kimg;
    text = fmt::format("run {}: {}\n", run_dir, finished ? "finished" : "stopped (no coordinator answers)");
  }
  text += progress_line(summary) + "\n";
  if (summary.stats) {
    text += fmt::format("step {}, last progress {} ago\n", text_of(*summary.stats, "step"),
                        duration_text(now_s - number_of(*summary.stats, "time", now_s)));
    text += noise_level_table(*summary.stats);
  }
  if (summary.metrics) {
    const nlohmann::json& m = *summary.metrics;
    const std::string fd_key = workers::evaluator::fd_key_of_metrics_line(m).value_or("fd");
    text += fmt::format("{} {:.2f} at {} kimg (KID x1000 {:.2f}, precision {:.3f}, recall {:.3f})\n", fd_key,
                        number_of(m, fd_key.c_str()), kimg_text(number_of(m, "kimg")), number_of(m, "kid_mean"),
                        number_of(m, "precision"), number_of(m, "recall"));
  }
  if (summary.restart) {
    const nlohmann::json& r = *summary.restart;
    text += fmt::format("restarts: {} (last: rank {} {} {}, {}{})\n", summary.restarts, text_of(r, "rank"),
                        text_of(r, "role"), text_of(r, "role_index"), text_of(r, "cause"),
                        text_of(r, "cause") == "signal" ? " " + text_of(r, "signal") : "");
  }
  if (summary.status && summary.status->contains("members")) {
    text += "members:\n";
    for (const nlohmann::json& m : (*summary.status)["members"]) {
      const double heard = number_of(m, "last_heard_s_ago");
      text += fmt::format("  {:>3}  {:<12} {:<3} {:<28} {:<16} {}{}\n", text_of(m, "peer"), text_of(m, "role"),
                          text_of(m, "role_index"), text_of(m, "name"), text_of(m, "host"), text_of(m, "state"),
                          std::isfinite(heard) ? fmt::format(" (heard {:.1f} s ago)", heard) : "");
    }
  }
  return text;
}

}  // namespace dact::launch
