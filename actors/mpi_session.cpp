#include "actors/mpi_session.h"

#include <fmt/format.h>

#include <cstdlib>

#include "actors/actor_errors.h"

namespace dact::actors {

MpiSession::MpiSession(int& argc, char**& argv, int thread_level) {
  int provided = MPI_THREAD_SINGLE;
  MPI_Init_thread(&argc, &argv, thread_level, &provided);
  if (provided < thread_level) {
    MPI_Finalize();
    throw TransportError(fmt::format("MPI provides thread level {}, need {}", provided, thread_level));
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size_);
}

MpiSession::~MpiSession() { MPI_Finalize(); }

void MpiSession::abort_world(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::abort();  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

}  // namespace dact::actors
