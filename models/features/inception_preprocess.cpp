#include "models/features/inception_preprocess.h"

#include <algorithm>
#include <stdexcept>

namespace dact::models::features {
namespace {

struct LegacyTaps {
  torch::Tensor low, high;  // int64 [out] source indices
  torch::Tensor lerp;       // float32 [out] weight of `high`
};

// TF1 legacy mapping: in = out_index * (in_size / out_size), computed in float as
// TF1's CalculateResizeScale/compute_interpolation_weights do.
LegacyTaps legacy_taps(int64_t in_size, int64_t out_size) {
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  LegacyTaps taps{torch::empty({out_size}, torch::kInt64), torch::empty({out_size}, torch::kInt64),
                  torch::empty({out_size}, torch::kFloat32)};
  auto low = taps.low.accessor<int64_t, 1>();
  auto high = taps.high.accessor<int64_t, 1>();
  auto lerp = taps.lerp.accessor<float, 1>();
  for (int64_t i = 0; i < out_size; ++i) {
    const float in = static_cast<float>(i) * scale;
    const auto floor_in = static_cast<int64_t>(in);  // in >= 0, so truncation is floor
    low[i] = floor_in;
    high[i] = std::min(floor_in + 1, in_size - 1);
    lerp[i] = in - static_cast<float>(floor_in);
  }
  return taps;
}

}  // namespace

InceptionPreprocess parse_inception_preprocess(const std::string& name) {
  if (name == "tf1") return InceptionPreprocess::tf1;
  if (name == "pytorch-fid") return InceptionPreprocess::pytorch_fid;
  throw std::invalid_argument("unknown Inception preprocessing '" + name + "' (expected tf1 or pytorch-fid)");
}

std::string to_string(InceptionPreprocess preprocess) {
  return preprocess == InceptionPreprocess::tf1 ? "tf1" : "pytorch-fid";
}

torch::Tensor resize_bilinear_tf1_legacy(const torch::Tensor& images, int64_t out_height, int64_t out_width) {
  const LegacyTaps ys = legacy_taps(images.size(2), out_height);
  const LegacyTaps xs = legacy_taps(images.size(3), out_width);
  // Horizontal then vertical, in TF1's order: top = tl + (tr - tl) * x_lerp, ...
  const torch::Tensor left = images.index_select(3, xs.low), right = images.index_select(3, xs.high);
  const torch::Tensor rows = left + (right - left) * xs.lerp;
  const torch::Tensor top = rows.index_select(2, ys.low), bottom = rows.index_select(2, ys.high);
  return top + (bottom - top) * ys.lerp.view({-1, 1});
}

torch::Tensor inception_input(const torch::Tensor& images, InceptionPreprocess preprocess) {
  if (images.dim() != 4 || images.scalar_type() != torch::kUInt8 || (images.size(1) != 1 && images.size(1) != 3)) {
    throw std::invalid_argument("Inception-v3 features need uint8 images [N, 1 or 3, H, W], got " +
                                std::string(c10::toString(images.scalar_type())) + " " + c10::str(images.sizes()));
  }
  torch::Tensor x = images.to(torch::kFloat32);
  if (x.size(1) == 1) x = x.expand({-1, 3, -1, -1});
  const int64_t R = kInceptionResolution;
  if (preprocess == InceptionPreprocess::tf1) {
    return (resize_bilinear_tf1_legacy(x, R, R) - 128) / 128;
  }
  namespace F = torch::nn::functional;
  x = F::interpolate(x / 255, F::InterpolateFuncOptions()
                                  .size(std::vector<int64_t>{R, R})
                                  .mode(torch::kBilinear)
                                  .align_corners(false));
  return 2 * x - 1;
}

}  // namespace dact::models::features
