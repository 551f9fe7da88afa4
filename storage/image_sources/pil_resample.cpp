#include "storage/image_sources/pil_resample.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace dact::storage {
namespace {

// Resample.c: PRECISION_BITS = 32 - 8 - 2, so that 8-bit values times coefficients
// (whose absolute sum stays below 2) and the rounding half fit an int32.
constexpr int kPilPrecisionBits = 32 - 8 - 2;

double pil_box_weight(double x) { return x > -0.5 && x <= 0.5 ? 1.0 : 0.0; }

// Keys' cubic convolution kernel with Pillow's a = -0.5.
double pil_bicubic_weight(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

double pil_sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= M_PI;
  return std::sin(x) / x;
}

double pil_lanczos_weight(double x) {
  return -3.0 <= x && x < 3.0 ? pil_sinc(x) * pil_sinc(x / 3.0) : 0.0;
}

struct PilKernel {
  double (*weight)(double);
  double support;  // in input pixels at scale 1
};

PilKernel pil_kernel(PilFilter filter) {
  switch (filter) {
    case PilFilter::kBox: return {pil_box_weight, 0.5};
    case PilFilter::kBicubic: return {pil_bicubic_weight, 2.0};
    case PilFilter::kLanczos: return {pil_lanczos_weight, 3.0};
  }
  throw std::invalid_argument("pil_resize: unknown filter");
}

// For each output pixel: the first input pixel it reads, how many, and their
// fixed-point weights (precompute_coeffs + normalize_coeffs_8bpc in Resample.c).
struct PilTaps {
  int64_t taps_per_output = 0;  // stride of `weights`
  std::vector<int64_t> first;
  std::vector<int64_t> count;
  std::vector<int32_t> weights;
};

PilTaps pil_taps(int64_t in_size, int64_t out_size, const PilKernel& kernel) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  // Downscaling stretches the filter over more input pixels (the antialiasing).
  const double filter_scale = std::max(scale, 1.0);
  const double support = kernel.support * filter_scale;
  PilTaps taps;
  taps.taps_per_output = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  taps.first.resize(static_cast<size_t>(out_size));
  taps.count.resize(static_cast<size_t>(out_size));
  taps.weights.assign(static_cast<size_t>(out_size * taps.taps_per_output), 0);
  std::vector<double> weights(static_cast<size_t>(taps.taps_per_output));
  for (int64_t out = 0; out < out_size; ++out) {
    const double center = (static_cast<double>(out) + 0.5) * scale;
    // (int) truncation, as in Resample.c, then clamped to the image.
    const int64_t first = std::max<int64_t>(0, static_cast<int64_t>(center - support + 0.5));
    const int64_t end = std::min<int64_t>(in_size, static_cast<int64_t>(center + support + 0.5));
    const int64_t count = end - first;
    double total = 0.0;
    for (int64_t i = 0; i < count; ++i) {
      weights[i] = kernel.weight((static_cast<double>(i + first) - center + 0.5) / filter_scale);
      total += weights[i];
    }
    for (int64_t i = 0; i < count; ++i) {
      const double normalised = total != 0.0 ? weights[i] / total : weights[i];
      const double fixed = normalised * (1 << kPilPrecisionBits);
      taps.weights[out * taps.taps_per_output + i] =
          static_cast<int32_t>(fixed < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    taps.first[out] = first;
    taps.count[out] = count;
  }
  return taps;
}

// Resample.c's clip8: drop the fraction bits (arithmetic shift = floor), clamp to uint8.
uint8_t pil_clip8(int32_t sum) {
  return static_cast<uint8_t>(std::clamp(sum >> kPilPrecisionBits, 0, 255));
}

// One pass over a contiguous uint8 [C, H, W]: along W (`horizontal`) or along H.
torch::Tensor pil_resample_pass(const torch::Tensor& image, int64_t out_size, bool horizontal,
                                const PilKernel& kernel) {
  const int64_t channels = image.size(0), height = image.size(1), width = image.size(2);
  const PilTaps taps = pil_taps(horizontal ? width : height, out_size, kernel);
  const int64_t out_height = horizontal ? height : out_size;
  const int64_t out_width = horizontal ? out_size : width;
  torch::Tensor out = torch::empty({channels, out_height, out_width}, torch::kUInt8);
  const uint8_t* in_data = image.data_ptr<uint8_t>();
  uint8_t* out_data = out.data_ptr<uint8_t>();
  // Input step between the taps of one output pixel.
  const int64_t tap_stride = horizontal ? 1 : width;
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t y = 0; y < out_height; ++y) {
      for (int64_t x = 0; x < out_width; ++x) {
        const int64_t out_index = horizontal ? x : y;
        const int64_t first = taps.first[out_index];
        const uint8_t* in = in_data + c * height * width +
                            (horizontal ? y * width + first : first * width + x);
        const int32_t* weights = &taps.weights[out_index * taps.taps_per_output];
        int32_t sum = 1 << (kPilPrecisionBits - 1);  // rounds to nearest
        for (int64_t i = 0; i < taps.count[out_index]; ++i) {
          sum += static_cast<int32_t>(in[i * tap_stride]) * weights[i];
        }
        out_data[(c * out_height + y) * out_width + x] = pil_clip8(sum);
      }
    }
  }
  return out;
}

}  // namespace

torch::Tensor pil_resize(const torch::Tensor& image, int64_t width, int64_t height,
                         PilFilter filter) {
  if (image.dim() != 3 || image.scalar_type() != torch::kUInt8 || width <= 0 || height <= 0 ||
      image.size(1) <= 0 || image.size(2) <= 0) {
    throw std::invalid_argument("pil_resize: expected uint8 [C, H, W] and sizes > 0");
  }
  const PilKernel kernel = pil_kernel(filter);
  torch::Tensor out = image.contiguous();
  if (width != out.size(2)) out = pil_resample_pass(out, width, /*horizontal=*/true, kernel);
  if (height != out.size(1)) out = pil_resample_pass(out, height, /*horizontal=*/false, kernel);
  return out;
}

}  // namespace dact::storage
