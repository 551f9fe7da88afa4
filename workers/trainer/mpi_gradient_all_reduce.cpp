#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>

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

MPI_Datatype mpi_type_of(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return MPI_FLOAT;
    case torch::kFloat64: return MPI_DOUBLE;
    default: throw std::invalid_argument("MPI gradient all-reduce: unsupported gradient dtype");
  }
}

MPI_Request start_sum(const torch::Tensor& contiguous, MPI_Comm comm) {
  MPI_Request request = MPI_REQUEST_NULL;
  check_mpi(MPI_Iallreduce(MPI_IN_PLACE, contiguous.data_ptr(), static_cast<int>(contiguous.numel()),
                           mpi_type_of(contiguous.scalar_type()), MPI_SUM, comm, &request),
            "MPI_Iallreduce");
  return request;
}

class MpiGradientAllReduce : public GradientAllReduce {
 public:
  MpiGradientAllReduce(MPI_Comm trainers, std::vector<torch::Tensor> params, int64_t bucket_bytes)
      : trainers_(trainers), params_(std::move(params)) {
    check_mpi(MPI_Comm_size(trainers_, &size_), "MPI_Comm_size");
    if (size_ == 1) return;
    build_buckets(bucket_bytes);
    hook_gradient_accumulators();
  }

  ~MpiGradientAllReduce() override {
    for (size_t i = 0; i < accumulators_.size(); ++i) accumulators_[i]->del_post_hook(hook_keys_[i]);
  }

  void arm_for_final_backward() override { armed_ = true; }

  void finish(const std::vector<torch::Tensor>& extra) override {
    armed_ = false;
    if (size_ == 1) return;
    while (next_bucket_ < buckets_.size()) start_bucket(next_bucket_++);  // gradients are final now
    std::vector<torch::Tensor> extra_contiguous;
    for (const torch::Tensor& tensor : extra) {
      extra_contiguous.push_back(tensor.contiguous());
      requests_.push_back(start_sum(extra_contiguous.back(), trainers_));
    }
    check_mpi(MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE),
              "MPI_Waitall");
    requests_.clear();
    for (Bucket& bucket : buckets_) unpack(bucket);
    for (size_t i = 0; i < extra.size(); ++i) {
      if (!extra[i].is_same(extra_contiguous[i])) extra[i].copy_(extra_contiguous[i]);
    }
    for (Bucket& bucket : buckets_) bucket.ready = 0;
    next_bucket_ = 0;
  }

  int num_trainers() const override { return size_; }

 private:
  struct Bucket {
    std::vector<size_t> params;  // indices into params_, in fill order
    torch::Tensor flat;          // the bucket's gradients, concatenated
    size_t ready = 0;            // gradients accumulated in the armed backward so far
  };

  // Reverse parameter order, a new bucket when one holds bucket_bytes or the dtype changes.
  void build_buckets(int64_t bucket_bytes) {
    bucket_of_.resize(params_.size());
    std::vector<size_t> current;
    int64_t current_numel = 0, current_bytes = 0;
    auto flush = [&] {
      if (current.empty()) return;
      buckets_.push_back({current, torch::empty({current_numel}, params_[current.front()].options()), 0});
      current.clear();
      current_numel = current_bytes = 0;
    };
    for (size_t i = params_.size(); i-- > 0;) {
      const torch::Tensor& param = params_[i];
      if (!current.empty() && param.scalar_type() != params_[current.front()].scalar_type()) flush();
      bucket_of_[i] = buckets_.size();
      current.push_back(i);
      current_numel += param.numel();
      current_bytes += param.numel() * param.element_size();
      if (current_bytes >= bucket_bytes) flush();
    }
    flush();
  }

  // A post hook on a parameter's AccumulateGrad node runs once its gradient for this
  // backward pass is summed into .grad(). The nodes are held here: autograd keeps only a
  // weak reference, and a recreated node would have lost the hook.
  void hook_gradient_accumulators() {
    for (size_t i = 0; i < params_.size(); ++i) {
      std::shared_ptr<torch::autograd::Node> accumulator = torch::autograd::impl::grad_accumulator(params_[i]);
      if (!accumulator) throw std::invalid_argument("MPI gradient all-reduce: parameters must be leaves that require grad");
      hook_keys_.push_back(accumulator->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
          [this, i](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
            on_gradient_accumulated(i);
            return outputs;
          })));
      accumulators_.push_back(std::move(accumulator));
    }
  }

  void on_gradient_accumulated(size_t param) {
    if (!armed_) return;  // an accumulation round: more gradient is still to come
    ++buckets_[bucket_of_[param]].ready;
    while (next_bucket_ < buckets_.size() &&
           buckets_[next_bucket_].ready == buckets_[next_bucket_].params.size()) {
      start_bucket(next_bucket_++);
    }
    // Non-blocking collectives progress only inside MPI calls; let the started ones advance.
    if (!requests_.empty()) {
      int done = 0;
      check_mpi(MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &done, MPI_STATUSES_IGNORE),
                "MPI_Testall");
    }
  }

  void start_bucket(size_t index) {
    Bucket& bucket = buckets_[index];
    int64_t offset = 0;
    for (size_t param : bucket.params) {
      const torch::Tensor& grad = params_[param].grad();
      bucket.flat.narrow(0, offset, grad.numel()).copy_(grad.reshape(-1));
      offset += grad.numel();
    }
    requests_.push_back(start_sum(bucket.flat, trainers_));
  }

  void unpack(Bucket& bucket) {
    int64_t offset = 0;
    for (size_t param : bucket.params) {
      const torch::Tensor& grad = params_[param].grad();
      grad.copy_(bucket.flat.narrow(0, offset, grad.numel()).view_as(grad));
      offset += grad.numel();
    }
  }

  MPI_Comm trainers_;
  std::vector<torch::Tensor> params_;
  int size_ = 1;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_;  // param index -> bucket index
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;
  std::vector<uintptr_t> hook_keys_;
  std::vector<MPI_Request> requests_;  // started this step, oldest first
  size_t next_bucket_ = 0;             // buckets before it have started
  bool armed_ = false;
};

}  // namespace

std::unique_ptr<GradientAllReduce> make_mpi_gradient_all_reduce(MPI_Comm trainers,
                                                                std::vector<torch::Tensor> params,
                                                                int64_t bucket_bytes) {
  return std::make_unique<MpiGradientAllReduce>(trainers, std::move(params), bucket_bytes);
}

}  // namespace dact::workers::trainer
