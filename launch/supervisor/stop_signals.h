#pragma once
// The supervisor's own signals: SIGTERM and SIGUSR1 (what Slurm sends before it
// preempts or requeues a job) and SIGINT (Ctrl-C) ask for an orderly stop: the world
// checkpoints at the step the trainers agree on and exits 0. A second signal (more than
// a second after the first; closer ones are copies of the same request) stops
// the world at once (work since the last checkpoint is lost).
#include <string>

namespace dact::launch {

void install_supervisor_stop_signals();
int stop_signals_received();    // how many so far
int last_stop_signal();         // the number of the last one, 0 if none
std::string signal_name(int signal);  // "SIGTERM"

}  // namespace dact::launch
