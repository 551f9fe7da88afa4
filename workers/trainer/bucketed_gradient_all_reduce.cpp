#include "workers/trainer/bucketed_gradient_all_reduce.h"

#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <stdexcept>

namespace dact::workers::trainer {

BucketedGradientAllReduce::BucketedGradientAllReduce(std::vector<torch::Tensor> params,
                                                     int64_t bucket_bytes, int num_trainers)
    : params_(std::move(params)), num_trainers_(num_trainers) {
  if (num_trainers_ == 1) return;
  build_buckets(bucket_bytes);
  hook_gradient_accumulators();
}

BucketedGradientAllReduce::~BucketedGradientAllReduce() {
  for (size_t i = 0; i < accumulators_.size(); ++i) accumulators_[i]->del_post_hook(hook_keys_[i]);
}

void BucketedGradientAllReduce::finish(const std::vector<torch::Tensor>& extra) {
  armed_ = false;
  if (num_trainers_ == 1) return;
  while (next_bucket_ < buckets_.size()) start_bucket(buckets_[next_bucket_++]);  // all final now
  std::vector<torch::Tensor> extra_contiguous;
  for (const torch::Tensor& tensor : extra) {
    extra_contiguous.push_back(tensor.contiguous());
    start_sum(extra_contiguous.back());
  }
  wait_all();
  for (Bucket& bucket : buckets_) {
    unpack(bucket);
    bucket.ready = 0;
  }
  next_bucket_ = 0;
  for (size_t i = 0; i < extra.size(); ++i) {
    if (!extra[i].is_same(extra_contiguous[i])) extra[i].copy_(extra_contiguous[i]);
  }
}

// Reverse parameter order; a new bucket when one holds bucket_bytes or the dtype changes.
void BucketedGradientAllReduce::build_buckets(int64_t bucket_bytes) {
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

// A post hook on a parameter's AccumulateGrad node runs once that parameter's gradient
// for the current backward pass has been summed into .grad().
void BucketedGradientAllReduce::hook_gradient_accumulators() {
  for (size_t i = 0; i < params_.size(); ++i) {
    std::shared_ptr<torch::autograd::Node> accumulator = torch::autograd::impl::grad_accumulator(params_[i]);
    if (!accumulator) {
      throw std::invalid_argument("gradient all-reduce: parameter " + std::to_string(i) +
                                  " is not a leaf that requires grad");
    }
    hook_keys_.push_back(accumulator->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
        [this, i](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
          on_gradient_accumulated(i);
          return outputs;
        })));
    accumulators_.push_back(std::move(accumulator));
  }
}

void BucketedGradientAllReduce::on_gradient_accumulated(size_t param) {
  if (!armed_) return;  // an accumulation round: more gradient is still to come
  ++buckets_[bucket_of_[param]].ready;
  while (next_bucket_ < buckets_.size() &&
         buckets_[next_bucket_].ready == buckets_[next_bucket_].params.size()) {
    start_bucket(buckets_[next_bucket_++]);
  }
  progress();
}

void BucketedGradientAllReduce::start_bucket(Bucket& bucket) {
  int64_t offset = 0;
  for (size_t param : bucket.params) {
    const torch::Tensor& grad = params_[param].grad();
    bucket.flat.narrow(0, offset, grad.numel()).copy_(grad.reshape(-1));
    offset += grad.numel();
  }
  start_sum(bucket.flat);
}

void BucketedGradientAllReduce::unpack(Bucket& bucket) {
  int64_t offset = 0;
  for (size_t param : bucket.params) {
    const torch::Tensor& grad = params_[param].grad();
    grad.copy_(bucket.flat.narrow(0, offset, grad.numel()).view_as(grad));
    offset += grad.numel();
  }
}

}  // namespace dact::workers::trainer
