#include <stdexcept>

#include "workers/trainer/gradient_all_reduce.h"

namespace dact::workers::trainer {

std::unique_ptr<GradientAllReduce> make_gradient_all_reduce(AllReduceBackend backend, MPI_Comm trainers,
                                                            std::vector<torch::Tensor> params,
                                                            int64_t bucket_bytes) {
  switch (backend) {
    case AllReduceBackend::kMpi: return make_mpi_gradient_all_reduce(trainers, std::move(params), bucket_bytes);
    case AllReduceBackend::kNccl:
#ifdef DACT_WITH_CUDA
      return make_nccl_gradient_all_reduce(trainers, std::move(params), bucket_bytes);
#else
      // The config refuses 'nccl' in this build (launch/config/run_config.cpp).
      throw std::logic_error("trainer.allreduce 'nccl' needs a build with -DDACT_WITH_CUDA=ON");
#endif
  }
  throw std::logic_error("unknown all-reduce backend");
}

}  // namespace dact::workers::trainer
