#include "models/metrics/kernel_inception_distance.h"

#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>
#include <string>

namespace dact::models::metrics {
namespace {

// KID's cubic polynomial kernel (x.y / d + 1)^3 (Binkowski et al. 2018, Section 4).
torch::Tensor polynomial_kernel(const torch::Tensor& x, const torch::Tensor& y) {
  const auto d = static_cast<double>(x.size(1));
  const torch::Tensor k = x.mm(y.t()) / d + 1;
  return k * k * k;
}

// Mean of the off-diagonal entries of a square kernel matrix.
double off_diagonal_mean(const torch::Tensor& k) {
  const auto m = static_cast<double>(k.size(0));
  return (k.sum() - k.trace()).item<double>() / (m * (m - 1));
}

}  // namespace

// Unbiased MMD^2_u (Gretton et al. 2012, "A Kernel Two-Sample Test", Lemma 6).
double mmd2_unbiased(const torch::Tensor& x, const torch::Tensor& y) {
  if (x.dim() != 2 || y.dim() != 2 || x.size(1) != y.size(1) || x.size(0) < 2 || y.size(0) < 2) {
    throw std::invalid_argument("mmd2_unbiased: expected features [m, d] and [n, d], m, n >= 2; got " +
                                c10::str(x.sizes(), " and ", y.sizes()));
  }
  const torch::Tensor a = x.to(torch::kFloat64), b = y.to(torch::kFloat64);
  return off_diagonal_mean(polynomial_kernel(a, a)) + off_diagonal_mean(polynomial_kernel(b, b)) -
         2 * polynomial_kernel(a, b).mean().item<double>();
}

KernelInceptionDistance kernel_inception_distance(const torch::Tensor& x, const torch::Tensor& y,
                                                  const torch::Tensor& subsets_x,
                                                  const torch::Tensor& subsets_y) {
  if (subsets_x.dim() != 2 || subsets_y.dim() != 2 || subsets_x.size(0) != subsets_y.size(0) ||
      subsets_x.size(0) < 1) {
    throw std::invalid_argument("kernel_inception_distance: expected index sets [S, M] with the "
                                "same S >= 1, got " +
                                c10::str(subsets_x.sizes(), " and ", subsets_y.sizes()));
  }
  const int64_t num_subsets = subsets_x.size(0);
  torch::Tensor values = torch::empty({num_subsets}, torch::kFloat64);
  for (int64_t s = 0; s < num_subsets; ++s) {
    values[s] = mmd2_unbiased(x.index_select(0, subsets_x[s]), y.index_select(0, subsets_y[s]));
  }
  return {values.mean().item<double>(), values.std(/*unbiased=*/false).item<double>(), values};
}

torch::Tensor kid_subset_indices(int64_t num_rows, int64_t num_subsets, int64_t subset_size,
                                 uint64_t seed) {
  if (num_subsets < 1 || subset_size < 2 || subset_size > num_rows) {
    throw std::invalid_argument("KID subsets: need >= 1 subsets of size in [2, " +
                                std::to_string(num_rows) + "], got " +
                                std::to_string(num_subsets) + " of size " +
                                std::to_string(subset_size));
  }
  if (subset_size == num_rows) {
    return torch::arange(num_rows, torch::kInt64).expand({num_subsets, num_rows}).contiguous();
  }
  torch::Generator generator = at::detail::createCPUGenerator(seed);
  torch::Tensor indices = torch::empty({num_subsets, subset_size}, torch::kInt64);
  for (int64_t s = 0; s < num_subsets; ++s) {
    indices[s] = torch::randperm(num_rows, generator, torch::kInt64).slice(0, 0, subset_size);
  }
  return indices;
}

}  // namespace dact::models::metrics
