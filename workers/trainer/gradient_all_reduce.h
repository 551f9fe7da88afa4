#pragma once
// Data-parallel gradient summation among the trainers, one backend per transport
// (as c10d's ProcessGroup). The trainer never branches on the backend. MPI (CPU) is the
// one written so far; an NCCL backend for DACT_WITH_CUDA builds goes beside it.
#include <mpi.h>
#include <torch/torch.h>

#include <memory>
#include <vector>

namespace dact::workers::trainer {

class GradientAllReduce {
 public:
  virtual ~GradientAllReduce() = default;
  // Replaces each gradient by its sum over all trainers; every trainer must call
  // this with tensors of the same shapes in the same order. Blocks until done.
  virtual void sum(const std::vector<torch::Tensor>& grads) = 0;
  virtual int num_trainers() const = 0;
};

// MPI backend over `trainers` (a communicator holding exactly the trainer ranks).
// Gradients are packed into buckets of about `bucket_bytes` and reduced with one
// non-blocking MPI_Iallreduce per bucket, all in flight at once.
std::unique_ptr<GradientAllReduce> make_mpi_gradient_all_reduce(MPI_Comm trainers,
                                                                int64_t bucket_bytes);

}  // namespace dact::workers::trainer
