#include "storage/image_sources/image_transform.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "storage/image_resize.h"
#include "storage/image_sources/pil_resample.h"

namespace dact::storage {
namespace {

// EDM2 dataset_tool.py center_crop: the central square, then LANCZOS to R x R.
torch::Tensor edm2_center_crop(const torch::Tensor& image, int64_t resolution) {
  const int64_t height = image.size(1), width = image.size(2);
  const int64_t side = std::min(height, width);
  const torch::Tensor square = image.slice(1, (height - side) / 2, (height + side) / 2)
                                   .slice(2, (width - side) / 2, (width + side) / 2);
  return pil_resize(square, resolution, resolution, PilFilter::kLanczos);
}

// guided-diffusion image_datasets.py center_crop_arr (ADM), as EDM2 copies it.
torch::Tensor dhariwal_center_crop(const torch::Tensor& image, int64_t resolution) {
  torch::Tensor resized = image;
  while (std::min(resized.size(1), resized.size(2)) >= 2 * resolution) {
    resized = pil_resize(resized, resized.size(2) / 2, resized.size(1) / 2, PilFilter::kBox);
  }
  const double scale =
      static_cast<double>(resolution) / static_cast<double>(std::min(resized.size(1), resized.size(2)));
  // Python's round(): half to even, which std::nearbyint does in the default rounding mode.
  const auto scaled = [scale](int64_t size) {
    return static_cast<int64_t>(std::nearbyint(static_cast<double>(size) * scale));
  };
  resized = pil_resize(resized, scaled(resized.size(2)), scaled(resized.size(1)),
                       PilFilter::kBicubic);
  const int64_t top = (resized.size(1) - resolution) / 2;
  const int64_t left = (resized.size(2) - resolution) / 2;
  return resized.slice(1, top, top + resolution).slice(2, left, left + resolution).contiguous();
}

}  // namespace

const std::vector<std::string>& image_transform_names() {
  static const std::vector<std::string> names = {"center-crop-bilinear", "center-crop",
                                                 "center-crop-dhariwal"};
  return names;
}

ImageTransform parse_image_transform(const std::string& name) {
  const std::vector<std::string>& names = image_transform_names();
  const auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end()) {
    throw std::invalid_argument(
        fmt::format("--transform must be one of {}, not '{}'", fmt::join(names, ", "), name));
  }
  // image_transform_names() lists the enumerators in order.
  return static_cast<ImageTransform>(found - names.begin());
}

torch::Tensor apply_image_transform(ImageTransform transform, const torch::Tensor& image,
                                    int64_t resolution) {
  if (image.dim() != 3 || image.scalar_type() != torch::kUInt8 || resolution <= 0) {
    throw std::invalid_argument("apply_image_transform: expected uint8 [C, H, W] and resolution > 0");
  }
  switch (transform) {
    case ImageTransform::kCenterCropBilinear: return center_crop_resize(image, resolution);
    case ImageTransform::kCenterCrop: return edm2_center_crop(image, resolution);
    case ImageTransform::kCenterCropDhariwal: return dhariwal_center_crop(image, resolution);
  }
  throw std::invalid_argument("apply_image_transform: unknown transform");
}

}  // namespace dact::storage
