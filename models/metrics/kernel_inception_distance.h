#pragma once
// Kernel Inception Distance (Binkowski et al. 2018), float64: unbiased MMD^2 with
// the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over subsets.
#include <torch/torch.h>

#include <cstdint>

namespace dact::models::metrics {

// Unbiased MMD^2 between the rows of x [m, d] and y [n, d] (m, n >= 2).
// Throws std::invalid_argument on other shapes.
double mmd2_unbiased(const torch::Tensor& x, const torch::Tensor& y);

struct KernelInceptionDistance {
  double mean;
  double std;                // population std (ddof 0) over subsets
  torch::Tensor subset_mmd2;  // [S] float64, MMD^2 of each subset
};

// MMD^2 of x[subsets_x[s]] vs y[subsets_y[s]] for every subset s, where
// subsets_x/subsets_y are int64 [S, M] row indices; mean and std over s.
KernelInceptionDistance kernel_inception_distance(const torch::Tensor& x, const torch::Tensor& y,
                                                  const torch::Tensor& subsets_x,
                                                  const torch::Tensor& subsets_y);

// int64 [num_subsets, subset_size] rows drawn without replacement per subset from
// num_rows, reproducible from `seed`. When subset_size == num_rows every subset is
// all rows in order (no sampling). Throws std::invalid_argument if subset_size is
// outside [2, num_rows] or num_subsets < 1.
torch::Tensor kid_subset_indices(int64_t num_rows, int64_t num_subsets, int64_t subset_size,
                                 uint64_t seed);

}  // namespace dact::models::metrics
