#pragma once
// Data-parallel gradient summation among the trainers, one backend per transport
// (as c10d's ProcessGroup). The trainer never branches on the backend. MPI (CPU) is the
// one written so far; an NCCL backend for DACT_WITH_CUDA builds goes beside it.
//
// Like c10d's Reducer, a backend overlaps communication with backward: it hooks each
// parameter's gradient accumulator, and during the backward pass that completes a step's
// gradients it starts reducing a bucket as soon as every gradient in it is accumulated.
#include <mpi.h>
#include <torch/torch.h>

#include <memory>
#include <vector>

namespace dact::workers::trainer {

class GradientAllReduce {
 public:
  virtual ~GradientAllReduce() = default;
  // The next backward pass is the last one of this step (after gradient accumulation):
  // buckets start reducing while it runs. Without this call, finish() reduces everything.
  virtual void arm_for_final_backward() = 0;
  // Replaces every parameter's gradient by its sum over all trainers, and each tensor of
  // `extra` (e.g. the local loss) too. Every trainer calls it once per step, after its
  // last backward, with `extra` of the same shapes. Blocks until done.
  virtual void finish(const std::vector<torch::Tensor>& extra) = 0;
  virtual int num_trainers() const = 0;
};

// MPI backend over `trainers` (a communicator holding exactly the trainer ranks) for the
// gradients of `params` (leaf tensors with defined gradients, the same list in the same
// order on every trainer). Buckets of about `bucket_bytes` are filled in reverse
// parameter order (roughly the order backward produces gradients) and each is reduced
// with one MPI_Iallreduce; buckets start strictly in order, so every rank issues the
// same sequence of collectives.
std::unique_ptr<GradientAllReduce> make_mpi_gradient_all_reduce(MPI_Comm trainers,
                                                                std::vector<torch::Tensor> params,
                                                                int64_t bucket_bytes);

}  // namespace dact::workers::trainer
