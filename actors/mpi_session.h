// RAII for the MPI library: initialises with MPI_THREAD_FUNNELED (only the thread that runs
// the actor loop calls MPI) and finalises on destruction. One per process.
#pragma once

#include <mpi.h>

namespace dact::actors {

class MpiSession {
 public:
  // Throws TransportError if MPI cannot provide MPI_THREAD_FUNNELED.
  MpiSession(int& argc, char**& argv);
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
