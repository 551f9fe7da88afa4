#pragma once
// Data-parallel gradient summation among the trainers, one backend per transport (as
// c10d's ProcessGroup): MPI for CPU trainers, NCCL for GPU trainers in DACT_WITH_CUDA
// builds. The trainer never branches on the backend.
//
// Communication overlaps backward: a backend hooks each parameter's gradient accumulator
// and, during the backward pass that completes a step's gradients, starts reducing a
// bucket as soon as every gradient in it is accumulated (bucketed_gradient_all_reduce.h).
#include <mpi.h>
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "workers/trainer/trainer_config.h"

namespace dact::workers::trainer {

class GradientAllReduce {
 public:
  virtual ~GradientAllReduce() = default;
  // The next backward pass is the last one of this step (after gradient accumulation):
  // buckets start reducing while it runs. Without this call, finish() reduces everything.
  virtual void arm_for_final_backward() = 0;
  // Replaces every parameter's gradient by its sum over all trainers, and each tensor of
  // `extra` (small CPU tensors, e.g. the local loss) too. Every trainer calls it once per
  // step, after its last backward, with `extra` of the same shapes. Blocks until done.
  virtual void finish(const std::vector<torch::Tensor>& extra) = 0;
  virtual int num_trainers() const = 0;
};

// `trainers` is a communicator holding exactly the trainer ranks; `params` are the
// model's parameters, the same list in the same order on every trainer; buckets hold
// about `bucket_bytes` each.
std::unique_ptr<GradientAllReduce> make_mpi_gradient_all_reduce(MPI_Comm trainers,
                                                                std::vector<torch::Tensor> params,
                                                                int64_t bucket_bytes);
#ifdef DACT_WITH_CUDA
// Parameters on one CUDA device per trainer; NCCL's communicator is set up over `trainers`.
std::unique_ptr<GradientAllReduce> make_nccl_gradient_all_reduce(MPI_Comm trainers,
                                                                 std::vector<torch::Tensor> params,
                                                                 int64_t bucket_bytes);
#endif

// The backend `trainer.allreduce` names, over `trainers` as above.
std::unique_ptr<GradientAllReduce> make_gradient_all_reduce(AllReduceBackend backend, MPI_Comm trainers,
                                                            std::vector<torch::Tensor> params,
                                                            int64_t bucket_bytes);

}  // namespace dact::workers::trainer
