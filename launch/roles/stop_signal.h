#pragma once
// SIGUSR1/SIGUSR2 to a rank mean "stop early" (Open MPI's mpirun forwards both to every
// rank, as does `scancel --signal=USR1`): without a handler their default action would
// kill the rank and lose the work since the last checkpoint. The handler only sets a
// flag; trainers poll it once per step (GradientLoopLinks::stop_requested).
namespace dact::launch {

void install_stop_signal_handler();
bool stop_signal_received();

}  // namespace dact::launch
