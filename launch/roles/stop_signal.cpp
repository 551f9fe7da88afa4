#include "launch/roles/stop_signal.h"

#include <atomic>
#include <csignal>

namespace dact::launch {
namespace {

std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set from a signal handler");

void set_stop_flag(int) { stop_requested.store(true); }

}  // namespace

void install_stop_signal_handler() {
  struct sigaction action {};
  action.sa_handler = set_stop_flag;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGUSR1, &action, nullptr);
  ::sigaction(SIGUSR2, &action, nullptr);
}

bool stop_signal_received() { return stop_requested.load(); }

}  // namespace dact::launch
