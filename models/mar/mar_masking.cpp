#include "models/mar/mar_masking.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dact::models {
namespace {

double standard_normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

}  // namespace

double draw_mask_ratio(double mask_ratio_min, at::Generator& generator) {
  constexpr double kStd = 0.25;
  const double low = standard_normal_cdf((mask_ratio_min - 1.0) / kStd), high = 0.5;  // Phi(0)
  const double u = torch::rand({1}, generator, torch::kFloat64).item<double>();
  const double p = low + u * (high - low);
  const double x = std::sqrt(2.0) * torch::erfinv(torch::tensor(2 * p - 1, torch::kFloat64)).item<double>();
  return std::clamp(1.0 + kStd * x, mask_ratio_min, 1.0);
}

torch::Tensor random_orders(int64_t n, int64_t seq, at::Generator& generator) {
  std::vector<torch::Tensor> rows;
  rows.reserve(n);
  for (int64_t i = 0; i < n; ++i) rows.push_back(torch::randperm(seq, generator, torch::kInt64));
  return torch::stack(rows);
}

torch::Tensor mask_by_order(const torch::Tensor& orders, int64_t mask_len) {
  auto mask = torch::zeros(orders.sizes(), torch::kFloat32);
  return mask.scatter_(1, orders.narrow(1, 0, mask_len), 1.0);
}

std::vector<int64_t> tokens_left_masked(int64_t seq, int64_t num_iter) {
  if (num_iter < 1 || num_iter > seq) {
    throw std::invalid_argument("num_iter (" + std::to_string(num_iter) + ") must be in [1, " +
                                std::to_string(seq) + "], the number of tokens");
  }
  std::vector<int64_t> left;
  int64_t masked = seq;
  for (int64_t k = 0; k + 1 < num_iter; ++k) {
    const auto cosine = static_cast<int64_t>(std::floor(seq * std::cos(M_PI / 2 * (k + 1) / num_iter)));
    masked = std::max<int64_t>(num_iter - 1 - k, std::min(masked - 1, cosine));
    left.push_back(masked);
  }
  left.push_back(0);
  return left;
}

}  // namespace dact::models
