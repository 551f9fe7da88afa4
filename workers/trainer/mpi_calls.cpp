#include "workers/trainer/mpi_calls.h"

#include <stdexcept>
#include <string>

namespace dact::workers::trainer {

void check_mpi(int code, const char* what) {
  if (code != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw std::runtime_error(std::string(what) + " failed: " + std::string(text, length));
  }
}

int comm_size(MPI_Comm comm) {
  int size = 0;
  check_mpi(MPI_Comm_size(comm, &size), "MPI_Comm_size");
  return size;
}

MPI_Datatype mpi_type_of(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return MPI_FLOAT;
    case torch::kFloat64: return MPI_DOUBLE;
    default: throw std::invalid_argument("gradient all-reduce over MPI: unsupported dtype");
  }
}

}  // namespace dact::workers::trainer
