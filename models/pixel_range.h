#pragma once
// uint8 pixels <-> model space [-1, 1] (EDM's pixel convention).
#include <torch/torch.h>

namespace dact::models {

// uint8 [N, C, H, W] -> float32 in [-1, 1].
torch::Tensor pixels_to_model_space(const torch::Tensor& pixels_uint8);
// The inverse, rounded and clamped to uint8.
torch::Tensor model_space_to_pixels(const torch::Tensor& images);

}  // namespace dact::models
