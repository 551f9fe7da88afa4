#include "storage/image_resize.h"

#include <stdexcept>

namespace dact::storage {
namespace {

namespace F = torch::nn::functional;

torch::Tensor resize_batch(const torch::Tensor& images, int64_t resolution) {
  const torch::Tensor resized = F::interpolate(
      images.to(torch::kFloat32), F::InterpolateFuncOptions()
                                      .size(std::vector<int64_t>{resolution, resolution})
                                      .mode(torch::kBilinear)
                                      .align_corners(false)
                                      .antialias(true));
  return resized.round().clamp(0, 255).to(torch::kUInt8);
}

}  // namespace

torch::Tensor center_crop_resize(const torch::Tensor& image, int64_t resolution) {
  if (image.dim() != 3 || resolution <= 0) {
    throw std::invalid_argument("center_crop_resize: expected [C, H, W] and resolution > 0");
  }
  const int64_t side = std::min(image.size(1), image.size(2));
  const int64_t top = (image.size(1) - side) / 2;
  const int64_t left = (image.size(2) - side) / 2;
  const torch::Tensor square =
      image.slice(1, top, top + side).slice(2, left, left + side).unsqueeze(0);
  if (side == resolution) return square.squeeze(0).contiguous();
  return resize_batch(square, resolution).squeeze(0);
}

torch::Tensor fit_square_images(const torch::Tensor& images, int64_t resolution) {
  if (images.dim() != 4 || images.size(2) != images.size(3) || resolution <= 0) {
    throw std::invalid_argument("fit_square_images: expected [N, C, S, S] and resolution > 0");
  }
  const int64_t side = images.size(2);
  if (resolution == side) return images;
  if (resolution < side) return resize_batch(images, resolution);
  const int64_t before = (resolution - side) / 2;
  const int64_t after = resolution - side - before;
  return F::pad(images, F::PadFuncOptions({before, after, before, after}));
}

}  // namespace dact::storage
