#include "workers/trainer/trainer_device.h"

#include <torch/cuda.h>

#include <stdexcept>
#include <string>

#include "workers/trainer/mpi_calls.h"

namespace dact::workers::trainer {

torch::Device trainer_device(AllReduceBackend backend, MPI_Comm trainers) {
  if (backend == AllReduceBackend::kMpi) return torch::kCPU;
  const int devices = static_cast<int>(torch::cuda::device_count());
  if (devices == 0) {
    throw std::runtime_error(
        "trainer.allreduce is 'nccl' but this trainer sees no CUDA device (a CPU-only LibTorch, or no GPU on the node)");
  }
  MPI_Comm node;
  check_mpi(MPI_Comm_split_type(trainers, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
  int local_rank = 0;
  check_mpi(MPI_Comm_rank(node, &local_rank), "MPI_Comm_rank");
  check_mpi(MPI_Comm_free(&node), "MPI_Comm_free");
  return {torch::kCUDA, static_cast<torch::DeviceIndex>(local_rank % devices)};
}

}  // namespace dact::workers::trainer
