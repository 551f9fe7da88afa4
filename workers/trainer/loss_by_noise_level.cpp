#include "workers/trainer/loss_by_noise_level.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dact::workers::trainer {

const NoiseLevelBuckets& noise_level_buckets(const std::string& of) {
  static const NoiseLevelBuckets sigma{"sigma", {0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20}};
  static const NoiseLevelBuckets t{"t", {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}};
  if (of == "sigma") return sigma;
  if (of == "t") return t;
  throw std::invalid_argument("no loss buckets for noise levels named '" + of + "' (expected sigma or t)");
}

torch::Tensor bucket_moments(const NoiseLevelBuckets& buckets, const torch::Tensor& levels,
                             const torch::Tensor& losses) {
  const torch::Tensor level = levels.detach().flatten();
  const torch::Tensor loss = losses.detach().flatten().to(torch::kFloat64);
  if (level.size(0) != loss.size(0)) {
    throw std::invalid_argument("bucket_moments: " + std::to_string(level.size(0)) + " noise levels for " +
                                std::to_string(loss.size(0)) + " losses");
  }
  // In the levels' own precision, so a float32 sigma drawn at 0.02f lands above the edge 0.02.
  const torch::Tensor edges = torch::tensor(buckets.edges, torch::kFloat64).to(level.scalar_type());
  // right = true: edges[b - 1] <= level < edges[b].
  const torch::Tensor bucket = torch::bucketize(level, edges, /*out_int32=*/false, /*right=*/true);
  const torch::Tensor moments = torch::zeros({3, buckets.count()}, torch::kFloat64);
  moments[0].index_add_(0, bucket, torch::ones_like(loss));
  moments[1].index_add_(0, bucket, loss);
  moments[2].index_add_(0, bucket, loss.square());
  return moments;
}

nlohmann::json loss_by_noise_level(const NoiseLevelBuckets& buckets, const torch::Tensor& moments) {
  const torch::Tensor summed = moments.contiguous();
  const auto m = summed.accessor<double, 2>();
  nlohmann::json count = nlohmann::json::array(), mean = nlohmann::json::array(), deviation = nlohmann::json::array();
  for (int64_t b = 0; b < buckets.count(); ++b) {
    const double n = m[0][b], sum = m[1][b], squares = m[2][b];
    count.push_back(static_cast<int64_t>(n));
    mean.push_back(n > 0 ? nlohmann::json(sum / n) : nlohmann::json());
    // training_stats.py Collector.std: sqrt(max(E[x^2] - E[x]^2, 0)), the population std.
    deviation.push_back(n > 0 ? nlohmann::json(std::sqrt(std::max(0.0, squares / n - (sum / n) * (sum / n))))
                        : nlohmann::json());
  }
  return {{"of", buckets.of}, {"edges", buckets.edges}, {"count", count}, {"mean", mean}, {"std", deviation}};
}

}  // namespace dact::workers::trainer
