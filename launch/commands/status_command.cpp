#include "launch/commands/status_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "launch/web/run_report.h"
#include "launch/web/run_summary.h"
#include "storage/atomic_file.h"

namespace dact::launch {
namespace {

struct StatusOptions {
  std::string run_dir;
  bool watch = false;
  double every_s = 2;
};

double unix_now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void run_status(const StatusOptions& options) {
  if (!std::filesystem::is_directory(options.run_dir)) {
    throw std::invalid_argument("--run-dir " + options.run_dir + " is not a directory");
  }
  const storage::RunDirectory run(options.run_dir);
  const bool terminal = ::isatty(STDOUT_FILENO) != 0;
  do {
    const std::string text = describe_run(read_run_summary(run, 1.0), options.run_dir, unix_now_s());
    // On a terminal --watch redraws in place (clear screen, cursor home); else it appends.
    std::fputs(((options.watch && terminal ? "\033[H\033[2J" : "") + text).c_str(), stdout);
    std::fflush(stdout);
    if (options.watch) std::this_thread::sleep_for(std::chrono::duration<double>(options.every_s));
  } while (options.watch);
}

struct ReportOptions {
  std::string run_dir;
  std::string out;
};

void run_report(const ReportOptions& options) {
  storage::write_file_atomically(options.out, run_report_html(storage::RunDirectory(options.run_dir)));
  std::printf("wrote %s\n", options.out.c_str());
}

}  // namespace

void add_status_commands(CLI::App& app) {
  auto status = std::make_shared<StatusOptions>();
  CLI::App* status_command = app.add_subcommand("status", "Progress, metrics and members of a run, live or ended");
  status_command->add_option("--run-dir", status->run_dir, "Run directory")->required();
  status_command->add_flag("--watch", status->watch, "Refresh until interrupted");
  status_command->add_option("--every", status->every_s, "Seconds between refreshes with --watch")
      ->check(CLI::Range(0.2, 3600.0));
  status_command->callback([status] { run_status(*status); });

  auto report = std::make_shared<ReportOptions>();
  CLI::App* report_command = app.add_subcommand("report", "Write the run page with its data as one HTML file");
  report_command->add_option("--run-dir", report->run_dir, "Run directory")->required();
  report_command->add_option("--out", report->out, "The HTML file to write")->required();
  report_command->callback([report] { run_report(*report); });
}

}  // namespace dact::launch
