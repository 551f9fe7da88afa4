#pragma once
// What every gradient all-reduce backend shares, as c10d's Reducer: gradients packed into
// buckets in reverse parameter order (roughly the order backward produces them), a post
// hook on each parameter's AccumulateGrad node, and buckets started strictly in order as
// soon as all their gradients are accumulated in the armed backward, so every trainer
// issues the same sequence of collectives. A backend only says how a flat buffer is
// summed: start_sum() and wait_all().
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "workers/trainer/gradient_all_reduce.h"

namespace torch::autograd {
struct Node;
}

namespace dact::workers::trainer {

class BucketedGradientAllReduce : public GradientAllReduce {
 public:
  // `params`: leaf tensors that require grad, the same list in the same order on every
  // trainer. Hooks are only installed when num_trainers > 1.
  BucketedGradientAllReduce(std::vector<torch::Tensor> params, int64_t bucket_bytes, int num_trainers);
  ~BucketedGradientAllReduce() override;

  void arm_for_final_backward() override { armed_ = true; }
  void finish(const std::vector<torch::Tensor>& extra) override;
  int num_trainers() const override { return num_trainers_; }

 protected:
  // Starts summing `flat` in place over all trainers (a bucket on the parameters' device,
  // or a contiguous CPU tensor of `extra`).
  virtual void start_sum(torch::Tensor& flat) = 0;
  // Lets started sums advance (non-blocking collectives progress inside library calls).
  virtual void progress() {}
  // Returns once every started sum is complete and its result visible to the next op.
  virtual void wait_all() = 0;

 private:
  struct Bucket {
    std::vector<size_t> params;  // indices into params_, in fill order
    torch::Tensor flat;          // the bucket's gradients, concatenated
    size_t ready = 0;            // gradients accumulated in the armed backward so far
  };
  void build_buckets(int64_t bucket_bytes);
  void hook_gradient_accumulators();
  void on_gradient_accumulated(size_t param);
  void start_bucket(Bucket& bucket);
  void unpack(Bucket& bucket);

  std::vector<torch::Tensor> params_;
  int num_trainers_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_;  // param index -> bucket index
  // Autograd holds AccumulateGrad nodes weakly; a recreated node would lose the hook.
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;
  std::vector<uintptr_t> hook_keys_;
  size_t next_bucket_ = 0;  // buckets before it have started this step
  bool armed_ = false;
};

}  // namespace dact::workers::trainer
