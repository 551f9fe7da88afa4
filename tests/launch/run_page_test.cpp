// The run page in a real headless Chromium, during a real `dact train` under mpirun: the
// page draws the loss from at least two progress lines, loads the preview grid and
// lists the ranks in its member table; a screenshot of it is not blank. Bad requests
// (unknown path, POST, a 10 MB header, 200 connections at once) get 4xx or a closed
// connection while training goes on. Then `dact status` and `dact report` on the same
// run, the report checked in Chromium the same way.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "storage/nimg_name.h"
#include "storage/png_image.h"
#include "tests/support/child_process.h"
#include "tests/support/evaluation_fixture.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_run.h"

namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using dact::testing::read_text;

size_t line_count(const fs::path& path) {
  const std::string text = read_text(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

bool wait_until(const std::function<bool()>& done, double timeout_s) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Sends `request` as is and returns what comes back before the server closes ("" when
// it closes without an answer or the exchange fails).
std::string http_exchange(uint16_t port, const std::string& request) {
  try {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    boost::system::error_code error;
    asio::write(socket, asio::buffer(request), error);
    std::string answer;
    std::array<char, 4096> buffer;
    for (size_t n; (n = socket.read_some(asio::buffer(buffer), error)) > 0 || !error;) answer.append(buffer.data(), n);
    return answer;
  } catch (const std::exception&) {
    return "";
  }
}

int status_code_of(const std::string& answer) {
  static const std::regex kStatusLine(R"(^HTTP/1\.[01] (\d{3}))");
  std::smatch match;
  return std::regex_search(answer, match, kStatusLine) ? std::stoi(match[1]) : 0;
}

std::string get(uint16_t port, const std::string& target) {
  return http_exchange(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

// Chromium's DOM of `url` after `budget_ms` of the page's own time (its polling runs).
std::string chromium_dom(const std::string& url, const fs::path& profile, int budget_ms) {
  return dact::testing::run_shell_command("timeout 60 chromium --headless=new --no-sandbox --disable-gpu "
                                          "--user-data-dir='" + profile.string() + "' --virtual-time-budget=" +
                                          std::to_string(budget_ms) + " --dump-dom '" + url + "' 2>/dev/null")
      .output;
}

void chromium_screenshot(const std::string& url, const fs::path& profile, const fs::path& png) {
  const std::string command = "timeout 60 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars "
                              "--user-data-dir='" + profile.string() + "' --virtual-time-budget=4000 "
                              "--window-size=1280,1200 --screenshot='" + png.string() + "' '" + url + "' > /dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

int plotted_points(const std::string& dom, const std::string& plot) {
  const std::regex points("<svg id=\"plot-" + plot + "\"[^>]*data-points=\"(\\d+)\"");
  std::smatch match;
  return std::regex_search(dom, match, points) ? std::stoi(match[1]) : 0;
}

bool preview_loaded(const std::string& dom) {
  return std::regex_search(dom, std::regex(R"(<img id="preview"[^>]*data-loaded="\d+(\.\d+)?")"));
}

// A screenshot is not blank: many distinct colours, not one flat background.
void expect_not_blank(const fs::path& png) {
  const torch::Tensor rgb = dact::storage::read_png_rgb(png.string()).to(torch::kInt64);
  const torch::Tensor colours = std::get<0>(at::_unique((rgb[0] * 65536 + rgb[1] * 256 + rgb[2]).flatten()));
  EXPECT_GT(colours.size(0), 50) << png;
  EXPECT_GT(rgb.to(torch::kFloat).std().item<double>(), 5.0) << png;
}

class RunPage : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(dact::testing::run_shell_command("command -v chromium").exit_code, 0)
        << "chromium is not installed: run tools/install_deps.sh";
    root_ = fs::temp_directory_path() / ("dact_run_page_" + std::to_string(::getpid()));
    fs::create_directories(root_);
    dact::testing::convert_test_split(root_);
    if (HasFailure()) return;
  }
  void TearDown() override {
    if (train_pid_ > 0) {
      ::kill(train_pid_, SIGKILL);
      dact::testing::wait_exit(train_pid_, 30);
    }
    if (!HasFailure()) fs::remove_all(root_);
  }

  // A tiny EDM2 U-Net trained for long enough to be looked at; previews every 0.16 kimg.
  void start_training() {
    const nlohmann::json config = {
        {"seed", 1},
        {"dataset", {{"dir", (root_ / "data" / "test").string()}}},
        {"model", dact::testing::tiny_edm2_model()},
        {"roles", {{"data_loader", 1}, {"trainer", 1}, {"ema", 1}}},
        {"trainer", {{"batch", 16}, {"batch_per_rank", 16}, {"ref_lr", 0.01}, {"rampup_Mimg", 0.0001},
                     {"checkpoint_every_steps", 50}, {"ema_every_steps", 1}, {"status_every_s", 0}}},
        {"ema", {{"stds", {0.05, 0.1}}, {"snapshot_every_kimg", 0.16}, {"preview", {{"per_class", 1}, {"num_steps", 2}}}}},
        {"run", {{"duration_kimg", 1000}, {"threads", {{"trainer", 1}}}}},
    };
    std::ofstream(root_ / "config.json") << config.dump(2);
    train_pid_ = dact::testing::spawn_dact(
        "train --config " + (root_ / "config.json").string() + " --run-dir " + run().string(), root_ / "train.log");
  }
  // Graceful stop (SIGTERM: the trainers checkpoint and every rank exits 0).
  int stop_training() {
    ::kill(train_pid_, SIGTERM);
    const int exit_code = dact::testing::wait_exit(train_pid_, 120);
    train_pid_ = -1;
    return exit_code;
  }

  fs::path run() const { return root_ / "run"; }

  fs::path root_;
  pid_t train_pid_ = -1;
};

TEST_F(RunPage, ChromiumShowsTheLiveRunAndTheReport) {
  start_training();
  const fs::path address_file = run() / "status_address";
  ASSERT_TRUE(wait_until([&] { return fs::exists(address_file); }, 120)) << read_text(root_ / "train.log");
  const std::string address = read_text(address_file).substr(0, read_text(address_file).find('\n'));
  const uint16_t port = static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
  const std::string url = "http://" + address + "/";

  // The live page: two loss points, a preview grid, the ranks in the member table.
  std::string dom;
  ASSERT_TRUE(wait_until(
      [&] {
        dom = chromium_dom(url, root_ / "profile", 3000);
        return plotted_points(dom, "loss") >= 2 && preview_loaded(dom);
      },
      180))
      << dom.substr(0, 4000) << read_text(root_ / "train.log").substr(0, 4000);
  for (const std::string role : {"coordinator", "data_loader", "trainer", "ema"}) {
    EXPECT_NE(dom.find("<tr data-role=\"" + role + "\""), std::string::npos) << role << "\n" << dom.substr(0, 4000);
  }
  EXPECT_NE(dom.find("training hash"), std::string::npos);
  chromium_screenshot(url, root_ / "profile", root_ / "live.png");
  expect_not_blank(root_ / "live.png");

  // Bad requests get 4xx or a closed connection; the run goes on and still answers.
  EXPECT_EQ(status_code_of(get(port, "/no/such/page")), 404);
  EXPECT_EQ(status_code_of(get(port, "/samples/../config.json")), 404);
  EXPECT_EQ(status_code_of(http_exchange(port, "POST /status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}")),
            405);
  EXPECT_EQ(status_code_of(http_exchange(port, "GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n")), 421);
  const int huge_header = status_code_of(
      http_exchange(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(10 << 20, 'a') + "\r\n\r\n"));
  EXPECT_TRUE(huge_header == 0 || (huge_header >= 400 && huge_header < 500)) << huge_header;
  {
    asio::io_context io;
    std::vector<std::unique_ptr<asio::ip::tcp::socket>> idle;
    for (int i = 0; i < 200; ++i) {
      auto socket = std::make_unique<asio::ip::tcp::socket>(io);
      boost::system::error_code error;
      socket->connect({asio::ip::make_address("127.0.0.1"), port}, error);
      idle.push_back(std::move(socket));  // held open, sending nothing
    }
    const size_t steps_before = line_count(run() / "stats.jsonl");
    EXPECT_TRUE(wait_until([&] { return line_count(run() / "stats.jsonl") > steps_before + 2; }, 60))
        << "training stalled while 200 connections were open";
  }
  EXPECT_TRUE(wait_until([&] { return status_code_of(get(port, "/status")) == 200; }, 15));
  const std::string lines = get(port, "/api/lines/stats?offset=0");
  EXPECT_EQ(status_code_of(lines), 200);
  EXPECT_NE(lines.find("\"next\""), std::string::npos);
  // A grid every 160 images, several in kimg 0: each under its own image count and name.
  std::string previews_reply;
  nlohmann::json previews;
  EXPECT_TRUE(wait_until(
      [&] {
        previews_reply = get(port, "/api/previews");
        previews = nlohmann::json::parse(previews_reply.substr(previews_reply.find("\r\n\r\n") + 4)).at("previews");
        return previews.size() >= 2;
      },
      120))
      << previews_reply;
  ASSERT_FALSE(previews.empty()) << previews_reply;
  for (size_t i = 0; i < previews.size(); ++i) {
    const int64_t nimg = previews[i].at("nimg").get<int64_t>();
    EXPECT_EQ(nimg % 160, 0) << previews[i];
    EXPECT_DOUBLE_EQ(previews[i].at("kimg").get<double>(), nimg / 1000.0);
    EXPECT_EQ(previews[i].at("src"), "/samples/" + dact::storage::nimg_name(nimg) + ".png");
    if (i > 0) {
      EXPECT_GT(nimg, previews[i - 1].at("nimg").get<int64_t>());
    }
  }
  EXPECT_EQ(status_code_of(get(port, previews[0].at("src").get<std::string>())), 200);
  EXPECT_EQ(status_code_of(get(port, "/samples/000000.160.png")), 200);
  EXPECT_EQ(status_code_of(get(port, "/samples/000000.000.png")), 404);  // not a name grids have

  // `dact status` while the run is up.
  const dact::testing::DactResult status = dact::testing::run_dact_command("status --run-dir " + run().string());
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_NE(status.output.find(": up ("), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("/ 1000 kimg"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("trainer"), std::string::npos) << status.output;

  EXPECT_EQ(stop_training(), 0) << read_text(root_ / "train.log").substr(0, 4000);
  EXPECT_FALSE(fs::exists(address_file));
  const dact::testing::DactResult stopped = dact::testing::run_dact_command("status --run-dir " + run().string());
  EXPECT_NE(stopped.output.find("stopped (no coordinator answers)"), std::string::npos) << stopped.output;

  // The offline report: the same page from one file, data embedded.
  const fs::path report = root_ / "report.html";
  ASSERT_EQ(dact::testing::run_dact_command("report --run-dir " + run().string() + " --out " + report.string())
                .exit_code,
            0);
  const std::string report_dom = chromium_dom("file://" + report.string(), root_ / "profile", 2000);
  EXPECT_GE(plotted_points(report_dom, "loss"), 2) << report_dom.substr(0, 4000);
  EXPECT_TRUE(preview_loaded(report_dom)) << report_dom.substr(0, 4000);
  EXPECT_FALSE(std::regex_search(report_dom, std::regex(R"(src="https?:)"))) << "the report loads from a server";
  chromium_screenshot("file://" + report.string(), root_ / "profile", root_ / "report.png");
  expect_not_blank(root_ / "report.png");
}

}  // namespace
