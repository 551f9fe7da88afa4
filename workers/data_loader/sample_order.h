#pragma once
// The global sample order of a run: a fixed function of (seed, step, round, trainer),
// so any rank can compute what any trainer trains on at any step, and a resumed run
// reads exactly the samples an uninterrupted run would have read.
//
// Training position p (counted in samples since the start) lies in epoch
// p / dataset_size and maps to permutation_e[p % dataset_size], where permutation_e
// is a shuffle seeded by (seed, e). A step consumes `batch` positions:
// accumulation round r of trainer t takes positions
//   step * batch + (r * num_trainers + t) * batch_per_rank + [0, batch_per_rank).
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace dact::workers::data_loader {

struct BatchLayout {
  int64_t batch = 0;           // samples per optimizer step, all trainers together
  int64_t batch_per_rank = 0;  // samples per trainer per forward/backward
  int64_t num_trainers = 1;

  // Accumulation rounds per step; std::invalid_argument unless batch divides evenly.
  int64_t rounds() const;
};

class SampleOrder {
 public:
  SampleOrder(uint64_t seed, int64_t dataset_size, BatchLayout layout);

  // Dataset indices of one micro-batch (batch_per_rank entries).
  std::vector<int64_t> indices(int64_t step, int64_t round, int64_t trainer) const;

  const BatchLayout& layout() const { return layout_; }

 private:
  // The shuffle of epoch `epoch`; cached because consecutive calls share an epoch.
  const std::vector<int64_t>& permutation(int64_t epoch) const;

  uint64_t seed_;
  int64_t dataset_size_;
  BatchLayout layout_;
  mutable int64_t cached_epoch_ = -1;
  mutable std::vector<int64_t> cached_permutation_;
};

}  // namespace dact::workers::data_loader
