#include <stdexcept>
#include <string>

#include "workers/trainer/bucketed_gradient_all_reduce.h"
#include "workers/trainer/mpi_calls.h"

namespace dact::workers::trainer {
namespace {

// One MPI_Iallreduce per bucket, in place, all in flight together.
class MpiGradientAllReduce : public BucketedGradientAllReduce {
 public:
  MpiGradientAllReduce(MPI_Comm trainers, std::vector<torch::Tensor> params, int64_t bucket_bytes)
      : BucketedGradientAllReduce(std::move(params), bucket_bytes, comm_size(trainers)), trainers_(trainers) {}

 private:
  void start_sum(torch::Tensor& flat) override {
    if (!flat.device().is_cpu()) throw std::invalid_argument("MPI gradient all-reduce: tensors must be on the CPU");
    requests_.push_back(MPI_REQUEST_NULL);
    check_mpi(MPI_Iallreduce(MPI_IN_PLACE, flat.data_ptr(), static_cast<int>(flat.numel()),
                             mpi_type_of(flat.scalar_type()), MPI_SUM, trainers_, &requests_.back()),
              "MPI_Iallreduce");
  }

  void progress() override {
    if (requests_.empty()) return;
    int done = 0;
    check_mpi(MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &done, MPI_STATUSES_IGNORE),
              "MPI_Testall");
  }

  void wait_all() override {
    check_mpi(MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE),
              "MPI_Waitall");
    requests_.clear();
  }

  MPI_Comm trainers_;
  std::vector<MPI_Request> requests_;  // started this step
};

}  // namespace

std::unique_ptr<GradientAllReduce> make_mpi_gradient_all_reduce(MPI_Comm trainers,
                                                                std::vector<torch::Tensor> params,
                                                                int64_t bucket_bytes) {
  return std::make_unique<MpiGradientAllReduce>(trainers, std::move(params), bucket_bytes);
}

}  // namespace dact::workers::trainer
