#include "models/pixel_range.h"

namespace dact::models {

torch::Tensor pixels_to_model_space(const torch::Tensor& pixels_uint8) {
  return pixels_uint8.to(torch::kFloat32).div(127.5).sub(1);
}

torch::Tensor model_space_to_pixels(const torch::Tensor& images) {
  return images.add(1).mul(127.5).round().clamp(0, 255).to(torch::kUInt8);
}

}  // namespace dact::models
