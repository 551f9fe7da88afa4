#pragma once
// Pillow's Image.resize for 8-bit images (libImaging/Resample.c, Pillow 9.x), so that
// datasets built here match those built by Python tools (EDM2's dataset_tool.py, ADM)
// to within +-1 per uint8 (in practice exactly). Separable and antialiased: a filter
// stretched by the downscale factor, coefficients normalised per output pixel and
// rounded to 22-bit fixed point; the horizontal pass runs first and is rounded to
// uint8 before the vertical one, as Pillow does. A dimension whose size is unchanged is
// not resampled (Pillow skips that pass).
#include <torch/torch.h>

#include <cstdint>

namespace dact::storage {

enum class PilFilter {
  kBox,      // support 0.5: plain averaging (Image.Resampling.BOX)
  kBicubic,  // Keys cubic convolution, a = -0.5, support 2 (Image.Resampling.BICUBIC)
  kLanczos,  // sinc(x) sinc(x/3), support 3 (Image.Resampling.LANCZOS)
};

// uint8 [C, H, W] -> uint8 [C, height, width]. Sizes must be > 0 (std::invalid_argument).
torch::Tensor pil_resize(const torch::Tensor& image, int64_t width, int64_t height,
                         PilFilter filter);

}  // namespace dact::storage
