#pragma once
// The training loss by noise level, as stats.jsonl reports it ("loss_by_noise_level"),
// so a user sees which noise levels learn. EDM2's training loop reports its loss
// through torch_utils/training_stats: moments (count, sum, sum of squares) summed over
// ranks, then mean and std. We keep those moments per noise-level bucket, summed over
// every trainer's samples by the step's all-reduce, never averaging averages.
//
// Buckets: sigma (EDM-preconditioned families) on a log scale around EDM's and EDM2's
// training distributions, ln sigma ~ N(-1.2, 1.2^2) and N(-0.4, 1); t in [0, 1] (flows,
// and DDPM-type timesteps as t / T) in tenths. Bucket b holds levels in
// [edges[b - 1], edges[b]), the first everything below edges[0], the last everything
// from edges.back() up.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dact::workers::trainer {

struct NoiseLevelBuckets {
  std::string of;             // "sigma" or "t"
  std::vector<double> edges;  // ascending; edges.size() + 1 buckets
  int64_t count() const { return static_cast<int64_t>(edges.size()) + 1; }
};

// The buckets of levels named `of` ("sigma" or "t"); anything else is std::invalid_argument.
const NoiseLevelBuckets& noise_level_buckets(const std::string& of);

// float64 [3, buckets]: per bucket the count, sum and sum of squares of `losses`
// (rows drawn at `levels`, both [M]).
torch::Tensor bucket_moments(const NoiseLevelBuckets& buckets, const torch::Tensor& levels,
                             const torch::Tensor& losses);

// {"of", "edges", "count", "mean", "std"} from summed moments (std as training_stats'
// population std); mean and std are null for an empty bucket.
nlohmann::json loss_by_noise_level(const NoiseLevelBuckets& buckets, const torch::Tensor& moments);

}  // namespace dact::workers::trainer
