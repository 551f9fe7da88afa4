#pragma once
// The magnitude-preserving primitives of EDM2 (Karras et al. 2024, "Analyzing and
// Improving the Training Dynamics of Diffusion Models"), as in NVlabs/edm2
// training/networks_edm2.py. Pure functions of tensors; autograd flows through all.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace dact::models {

// x / (eps + ||x|| / sqrt(N)) over `dims` (all but the first when empty), N the
// number of elements reduced: unit magnitude per slice (EDM2 Eq. 66 normalize()).
torch::Tensor normalize(const torch::Tensor& x, std::vector<int64_t> dims = {},
                        double eps = 1e-4);

// How `resample` changes the resolution.
enum class ResampleMode { keep, down, up };
ResampleMode resample_mode_from_name(const std::string& name);  // "keep" | "down" | "up"

// Depthwise 2x down- or up-sampling with the separable filter `f` (normalized to sum
// 1; x4 for up), EDM2 resample(). `f` must have an even length.
torch::Tensor resample(const torch::Tensor& x, const std::vector<double>& f, ResampleMode mode);

// silu(x) / 0.596: unit magnitude for unit-variance input (EDM2 Eq. 81).
torch::Tensor mp_silu(const torch::Tensor& x);

// lerp(a, b, t) / sqrt((1 - t)^2 + t^2) (EDM2 Eq. 88).
torch::Tensor mp_sum(const torch::Tensor& a, const torch::Tensor& b, double t = 0.5);

// Concatenation along `dim` with weights keeping unit magnitude (EDM2 Eq. 103).
torch::Tensor mp_cat(const torch::Tensor& a, const torch::Tensor& b, int64_t dim = 1,
                     double t = 0.5);

}  // namespace dact::models
