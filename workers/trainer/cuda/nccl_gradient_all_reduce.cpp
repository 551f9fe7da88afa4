// The NCCL backend (DACT_WITH_CUDA builds only): buckets live on the trainer's GPU and are
// summed with ncclAllReduce; `extra` tensors (the loss) stay on the CPU and go over MPI.
#include <cuda_runtime.h>
#include <nccl.h>

#include <stdexcept>
#include <string>

#include "workers/trainer/bucketed_gradient_all_reduce.h"
#include "workers/trainer/mpi_calls.h"

namespace dact::workers::trainer {
namespace {

void check_nccl(ncclResult_t result, const char* what) {
  if (result != ncclSuccess) throw std::runtime_error(std::string(what) + " failed: " + ncclGetErrorString(result));
}

void check_cuda(cudaError_t result, const char* what) {
  if (result != cudaSuccess) throw std::runtime_error(std::string(what) + " failed: " + cudaGetErrorString(result));
}

ncclDataType_t nccl_type_of(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return ncclFloat32;
    case torch::kFloat64: return ncclFloat64;
    case torch::kFloat16: return ncclFloat16;
    case torch::kBFloat16: return ncclBfloat16;
    default: throw std::invalid_argument("NCCL gradient all-reduce: unsupported gradient dtype");
  }
}

class NcclGradientAllReduce : public BucketedGradientAllReduce {
 public:
  NcclGradientAllReduce(MPI_Comm trainers, std::vector<torch::Tensor> params, int64_t bucket_bytes)
      : BucketedGradientAllReduce(params, bucket_bytes, comm_size(trainers)), trainers_(trainers) {
    if (params.empty() || !params.front().is_cuda()) {
      throw std::invalid_argument("NCCL gradient all-reduce: parameters must be on a CUDA device");
    }
    int rank = 0;
    check_mpi(MPI_Comm_rank(trainers_, &rank), "MPI_Comm_rank");
    check_cuda(cudaSetDevice(params.front().device().index()), "cudaSetDevice");
    ncclUniqueId id;
    if (rank == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    check_mpi(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, trainers_), "MPI_Bcast of the NCCL id");
    check_nccl(ncclCommInitRank(&comm_, num_trainers(), id, rank), "ncclCommInitRank");
  }

  ~NcclGradientAllReduce() override { ncclCommDestroy(comm_); }

 private:
  void start_sum(torch::Tensor& flat) override {
    if (flat.is_cuda()) {
      // The legacy default stream is where LibTorch runs unless a stream guard says
      // otherwise: the sum is ordered after the kernels that produced the bucket and
      // before the optimizer's kernels that read it.
      check_nccl(ncclAllReduce(flat.data_ptr(), flat.data_ptr(), flat.numel(), nccl_type_of(flat.scalar_type()),
                               ncclSum, comm_, cudaStreamLegacy),
                 "ncclAllReduce");
      return;
    }
    requests_.push_back(MPI_REQUEST_NULL);
    check_mpi(MPI_Iallreduce(MPI_IN_PLACE, flat.data_ptr(), static_cast<int>(flat.numel()),
                             mpi_type_of(flat.scalar_type()), MPI_SUM,
                             trainers_, &requests_.back()),
              "MPI_Iallreduce");
  }

  void wait_all() override {
    check_mpi(MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
    requests_.clear();
  }

  MPI_Comm trainers_;
  ncclComm_t comm_ = nullptr;
  std::vector<MPI_Request> requests_;  // CPU `extra` sums of this step
};

}  // namespace

std::unique_ptr<GradientAllReduce> make_nccl_gradient_all_reduce(MPI_Comm trainers,
                                                                 std::vector<torch::Tensor> params,
                                                                 int64_t bucket_bytes) {
  return std::make_unique<NcclGradientAllReduce>(trainers, std::move(params), bucket_bytes);
}

}  // namespace dact::workers::trainer
