#include <stdexcept>
#include <string>

#include "workers/trainer/gradient_all_reduce.h"

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

MPI_Datatype mpi_type_of(torch::Dtype dtype) {
  switch (dtype) {
    case torch::kFloat32: return MPI_FLOAT;
    case torch::kFloat64: return MPI_DOUBLE;
    default: throw std::invalid_argument("MPI gradient all-reduce: unsupported gradient dtype");
  }
}

class MpiGradientAllReduce : public GradientAllReduce {
 public:
  MpiGradientAllReduce(MPI_Comm trainers, int64_t bucket_bytes)
      : trainers_(trainers), bucket_bytes_(bucket_bytes) {
    check_mpi(MPI_Comm_size(trainers_, &size_), "MPI_Comm_size");
  }

  void sum(const std::vector<torch::Tensor>& grads) override {
    if (size_ == 1 || grads.empty()) return;
    std::vector<torch::Tensor> buckets = pack(grads);
    std::vector<MPI_Request> requests(buckets.size());
    for (size_t i = 0; i < buckets.size(); ++i) {
      check_mpi(MPI_Iallreduce(MPI_IN_PLACE, buckets[i].data_ptr(), buckets[i].numel(),
                               mpi_type_of(buckets[i].scalar_type()), MPI_SUM, trainers_,
                               &requests[i]),
                "MPI_Iallreduce");
    }
    check_mpi(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
              "MPI_Waitall");
    unpack(buckets, grads);
  }

  int num_trainers() const override { return size_; }

 private:
  // Consecutive gradients of one dtype, concatenated until a bucket holds bucket_bytes.
  std::vector<torch::Tensor> pack(const std::vector<torch::Tensor>& grads) {
    std::vector<torch::Tensor> buckets;
    bucket_sizes_.clear();
    std::vector<torch::Tensor> current;
    int64_t current_bytes = 0;
    auto flush = [&] {
      if (current.empty()) return;
      buckets.push_back(torch::cat(current));
      bucket_sizes_.push_back(current.size());
      current.clear();
      current_bytes = 0;
    };
    for (const torch::Tensor& grad : grads) {
      if (!current.empty() && grad.scalar_type() != current.front().scalar_type()) flush();
      current.push_back(grad.reshape(-1));
      current_bytes += grad.numel() * grad.element_size();
      if (current_bytes >= bucket_bytes_) flush();
    }
    flush();
    return buckets;
  }

  void unpack(const std::vector<torch::Tensor>& buckets, const std::vector<torch::Tensor>& grads) {
    size_t next = 0;
    for (size_t b = 0; b < buckets.size(); ++b) {
      int64_t offset = 0;
      for (size_t i = 0; i < bucket_sizes_[b]; ++i, ++next) {
        const torch::Tensor& grad = grads[next];
        grad.copy_(buckets[b].narrow(0, offset, grad.numel()).view_as(grad));
        offset += grad.numel();
      }
    }
  }

  MPI_Comm trainers_;
  int64_t bucket_bytes_;
  int size_ = 1;
  std::vector<size_t> bucket_sizes_;
};

}  // namespace

std::unique_ptr<GradientAllReduce> make_mpi_gradient_all_reduce(MPI_Comm trainers,
                                                                int64_t bucket_bytes) {
  return std::make_unique<MpiGradientAllReduce>(trainers, bucket_bytes);
}

}  // namespace dact::workers::trainer
