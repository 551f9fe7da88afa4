// RAII for the MPI library: initialises with the thread level asked for and finalises on
// destruction. One per process. MPI_THREAD_FUNNELED suffices when only the thread that
// runs the actor loop calls MPI; a trainer, whose gradient loop all-reduces on its own
// thread while the actor loop runs on another, needs MPI_THREAD_MULTIPLE.
#pragma once

#include <mpi.h>

namespace dact::actors {

class MpiSession {
 public:
  // Throws TransportError if MPI cannot provide `thread_level`.
  MpiSession(int& argc, char**& argv, int thread_level = MPI_THREAD_FUNNELED);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  // Ends the whole MPI world; used when a member of it is lost and the run cannot go on.
  [[noreturn]] static void abort_world(int exit_code);

 private:
  int rank_ = 0;
  int world_size_ = 1;
};

}  // namespace dact::actors
