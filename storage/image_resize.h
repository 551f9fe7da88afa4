#pragma once
// Bringing source images to the dataset's square resolution.
#include <torch/torch.h>

#include <cstdint>

namespace dact::storage {

// uint8 [C, H, W] -> uint8 [C, R, R]: the central min(H, W) square, then an
// antialiased bilinear resize (no resize when the square is already R x R).
torch::Tensor center_crop_resize(const torch::Tensor& image, int64_t resolution);

// uint8 [N, C, S, S] -> uint8 [N, C, R, R]. R > S: zero padding centred (the extra
// pixel of an odd margin goes bottom/right), so source pixels stay exact; this is
// how Fashion-MNIST 28 -> 32 is done (its background is 0). R < S: antialiased
// bilinear downscale. R == S: unchanged.
torch::Tensor fit_square_images(const torch::Tensor& images, int64_t resolution);

}  // namespace dact::storage
