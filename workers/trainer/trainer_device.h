#pragma once
// Where a trainer's model, batches, gradients and optimizer state live: the CPU with the
// MPI all-reduce; with NCCL, one CUDA device per trainer on its node (the trainer's rank
// among the trainers sharing that node, modulo the node's devices). Checkpoints and the
// EMA hand-off copy to the CPU either way (gradient_loop.cpp).
#include <mpi.h>
#include <torch/torch.h>

#include "workers/trainer/trainer_config.h"

namespace dact::workers::trainer {

// Throws when `backend` needs a CUDA device and none is visible (LibTorch built without
// CUDA, as Debian's, or no GPU on the node).
torch::Device trainer_device(AllReduceBackend backend, MPI_Comm trainers);

}  // namespace dact::workers::trainer
