#include <stdexcept>
#include <string>

#include "workers/trainer/bucketed_gradient_all_reduce.h"

namespace dact::workers::trainer {
namespace {

void check_mpi(int code, const char* what) {
  if (code != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw std::runtime_error(std::string(what) + " failed: " + std::string(text, length));
  }
}

MPI_Datatype mpi_type_of(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return MPI_FLOAT;
    case torch::kFloat64: return MPI_DOUBLE;
    default: throw std::invalid_argument("MPI gradient all-reduce: unsupported gradient dtype");
  }
}

int size_of(MPI_Comm comm) {
  int size = 0;
  check_mpi(MPI_Comm_size(comm, &size), "MPI_Comm_size");
  return size;
}

// One MPI_Iallreduce per bucket, in place, all in flight together.
class MpiGradientAllReduce : public BucketedGradientAllReduce {
 public:
  MpiGradientAllReduce(MPI_Comm trainers, std::vector<torch::Tensor> params, int64_t bucket_bytes)
      : BucketedGradientAllReduce(std::move(params), bucket_bytes, size_of(trainers)), trainers_(trainers) {}

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
