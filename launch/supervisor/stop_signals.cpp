#include "launch/supervisor/stop_signals.h"

#include <atomic>
#include <csignal>
#include <cstring>

namespace dact::launch {
namespace {

std::atomic<int> signals_received{0};
std::atomic<int> last{0};

void count_stop_signal(int signal) {
  last.store(signal);
  signals_received.fetch_add(1);
}

}  // namespace

void install_supervisor_stop_signals() {
  struct sigaction action {};
  action.sa_handler = count_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking poll() returns so the loop reacts at once
  for (int signal : {SIGTERM, SIGUSR1, SIGINT}) ::sigaction(signal, &action, nullptr);
}

int stop_signals_received() { return signals_received.load(); }
int last_stop_signal() { return last.load(); }

std::string signal_name(int signal) {
  const char* abbreviation = ::sigabbrev_np(signal);
  return abbreviation ? std::string("SIG") + abbreviation : "signal " + std::to_string(signal);
}

}  // namespace dact::launch
