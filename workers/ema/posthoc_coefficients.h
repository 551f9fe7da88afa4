#pragma once
// EDM2 post-hoc EMA reconstruction weights (Karras et al. 2024, Algorithm 3).
#include <torch/torch.h>

#include <vector>

namespace dact::workers::ema {

// Weights that combine stored power-EMA snapshots (in_ofs[i] training images,
// relative std in_std[i]) into the profile with std out_std[k] at time out_ofs.
// Returns a float64 [in, out] tensor: entry (i, k) is the weight of snapshot i in
// output k; each column sums to 1. Throws std::invalid_argument on empty or
// mismatched inputs, non-positive times, or invalid stds.
torch::Tensor solve_posthoc_coefficients(const std::vector<double>& in_ofs,
                                         const std::vector<double>& in_std, double out_ofs,
                                         const std::vector<double>& out_std);

}  // namespace dact::workers::ema
