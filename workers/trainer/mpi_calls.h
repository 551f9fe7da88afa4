#pragma once
// The MPI calls the gradient all-reduce backends share, with errors as exceptions.
#include <mpi.h>
#include <torch/torch.h>

namespace dact::workers::trainer {

// Throws std::runtime_error "<what> failed: <MPI's error text>" unless code is MPI_SUCCESS.
void check_mpi(int code, const char* what);
int comm_size(MPI_Comm comm);
// MPI_FLOAT or MPI_DOUBLE; std::invalid_argument for any other gradient dtype.
MPI_Datatype mpi_type_of(torch::ScalarType dtype);

}  // namespace dact::workers::trainer
