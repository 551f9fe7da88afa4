#pragma once
// Frechet distance between two Gaussians (FID; Heusel et al. 2017), float64.
#include <torch/torch.h>

namespace dact::models::metrics {

// ||mu1 - mu2||^2 + tr S1 + tr S2 - 2 tr sqrt(S1 S2) for means [d] and symmetric
// PSD covariances [d, d]. The trace of the matrix square root is taken through
// symmetric eigendecompositions, so near-singular covariances are fine.
// Throws std::invalid_argument on mismatched shapes.
double frechet_distance(const torch::Tensor& mu1, const torch::Tensor& sigma1,
                        const torch::Tensor& mu2, const torch::Tensor& sigma2);

}  // namespace dact::models::metrics
