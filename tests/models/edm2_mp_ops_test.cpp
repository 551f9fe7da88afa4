// EDM2's magnitude-preserving primitives keep unit magnitude (EDM2 Eq. 66, 81, 88, 103)
// and resample as box filters.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "models/edm2/edm2_mp_ops.h"

namespace dact::models {
namespace {

double rms(const torch::Tensor& x) { return x.square().mean().sqrt().item<double>(); }

TEST(Edm2MpOps, NormalizeGivesUnitRmsPerSlice) {
  const torch::Tensor x = torch::randn({3, 4, 5, 5}) * 7;
  const torch::Tensor y = normalize(x);
  for (int64_t i = 0; i < 3; ++i) EXPECT_NEAR(rms(y[i]), 1.0, 1e-4);
  const torch::Tensor pixels = normalize(x, {1});  // pixel norm: over channels
  EXPECT_NEAR(rms(pixels.select(2, 1).select(2, 3)[0]), 1.0, 1e-4);
}

TEST(Edm2MpOps, SumCatAndSiluPreserveUnitVariance) {
  torch::manual_seed(1);
  const torch::Tensor a = torch::randn({400000});
  const torch::Tensor b = torch::randn({400000});
  EXPECT_NEAR(rms(mp_sum(a, b, 0.3)), 1.0, 0.01);
  // mp_sum(a, a, t) = a / sqrt((1-t)^2 + t^2) exactly.
  EXPECT_TRUE(torch::allclose(mp_sum(a, a, 0.3), a / std::sqrt(0.49 + 0.09)));
  const torch::Tensor cat = mp_cat(a.reshape({1, 1000, 400}), b.reshape({1, 1000, 400}).slice(1, 0, 300), 1, 0.5);
  EXPECT_EQ(cat.size(1), 1300);
  EXPECT_NEAR(rms(cat), 1.0, 0.01);
  // Balance t: the two parts carry (1 - t)^2 and t^2 of the energy, normalized.
  const torch::Tensor cat_t = mp_cat(a.reshape({1, 1000, 400}), b.reshape({1, 1000, 400}), 1, 0.2);
  const double ea = cat_t.slice(1, 0, 1000).square().sum().item<double>();
  const double eb = cat_t.slice(1, 1000, 2000).square().sum().item<double>();
  EXPECT_NEAR(eb / ea, 0.04 / 0.64, 0.002);
  EXPECT_NEAR(rms(mp_silu(a)), 1.0, 0.01);  // silu's RMS under N(0,1) is 0.596
}

TEST(Edm2MpOps, ResampleIsBoxDownAndNearestUp) {
  const torch::Tensor x = torch::arange(16, torch::kFloat32).reshape({1, 1, 4, 4}).repeat({1, 2, 1, 1});
  const torch::Tensor down = resample(x, {1, 1}, ResampleMode::down);
  const torch::Tensor expected_down = torch::tensor({2.5f, 4.5f, 10.5f, 12.5f}).reshape({1, 1, 2, 2});
  EXPECT_TRUE(torch::allclose(down[0][1], expected_down[0][0]));
  const torch::Tensor up = resample(down, {1, 1}, ResampleMode::up);
  EXPECT_EQ(up.sizes(), x.sizes());
  EXPECT_TRUE(torch::allclose(up, torch::upsample_nearest2d(down, {4, 4})));
  EXPECT_TRUE(resample(x, {1, 1}, ResampleMode::keep).equal(x));
  EXPECT_THROW(resample(x, {1, 2, 1}, ResampleMode::down), std::invalid_argument);
  // A longer box filter [1, 1, 1, 1] pads by 1: down then averages 4x4 windows at stride 2.
  const torch::Tensor ones = torch::ones({1, 1, 4, 4});
  const torch::Tensor down4 = resample(ones, {1, 1, 1, 1}, ResampleMode::down);
  EXPECT_EQ(down4.sizes(), (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_TRUE(torch::allclose(down4, torch::full({1, 1, 2, 2}, 9.0f / 16)));  // 3x3 of 16 taps inside
}

// EDM2's resample with a filter longer than 2 (a depthwise convolution down, a
// transposed one up) against the definitions written as loops: with w = outer(f, f) /
// sum(f)^2 and pad = (len(f) - 1) / 2, down is y[o] = sum_k x[2 o + k - pad] w[k] and up
// adds 4 w[k] x[i] into y[2 i + k - pad] (zero outside the image), per channel.
torch::Tensor resample_by_definition(const torch::Tensor& x, const std::vector<double>& f, ResampleMode mode) {
  const int64_t taps = static_cast<int64_t>(f.size()), pad = (taps - 1) / 2;
  double sum = 0;
  for (double v : f) sum += v;
  const int64_t channels = x.size(1), h = x.size(2), w = x.size(3);
  const bool down = mode == ResampleMode::down;
  const int64_t out_h = down ? (h + 2 * pad - taps) / 2 + 1 : (h - 1) * 2 - 2 * pad + taps;
  const int64_t out_w = down ? (w + 2 * pad - taps) / 2 + 1 : (w - 1) * 2 - 2 * pad + taps;
  torch::Tensor y = torch::zeros({1, channels, out_h, out_w}, torch::kFloat64);
  const torch::Tensor x64 = x.to(torch::kFloat64);
  auto in = x64.accessor<double, 4>();
  auto out = y.accessor<double, 4>();
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t ky = 0; ky < taps; ++ky) {
      for (int64_t kx = 0; kx < taps; ++kx) {
        const double weight = f[ky] * f[kx] / (sum * sum);
        if (down) {
          for (int64_t oy = 0; oy < out_h; ++oy) {
            for (int64_t ox = 0; ox < out_w; ++ox) {
              const int64_t iy = 2 * oy + ky - pad, ix = 2 * ox + kx - pad;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) out[0][c][oy][ox] += weight * in[0][c][iy][ix];
            }
          }
        } else {
          for (int64_t iy = 0; iy < h; ++iy) {
            for (int64_t ix = 0; ix < w; ++ix) {
              const int64_t oy = 2 * iy + ky - pad, ox = 2 * ix + kx - pad;
              if (oy >= 0 && oy < out_h && ox >= 0 && ox < out_w) out[0][c][oy][ox] += 4 * weight * in[0][c][iy][ix];
            }
          }
        }
      }
    }
  }
  return y;
}

TEST(Edm2MpOps, LongerFiltersConvolveAsDefined) {
  torch::manual_seed(5);
  const torch::Tensor x = torch::randn({1, 3, 6, 6});
  for (const std::vector<double>& f : {std::vector<double>{1, 3, 3, 1}, std::vector<double>{1, 1, 1, 1},
                                       std::vector<double>{1, 5, 10, 10, 5, 1}}) {
    for (const ResampleMode mode : {ResampleMode::down, ResampleMode::up}) {
      const torch::Tensor ours = resample(x, f, mode);
      const torch::Tensor expected = resample_by_definition(x, f, mode);
      ASSERT_EQ(ours.sizes(), expected.sizes()) << f.size() << " taps";
      EXPECT_TRUE(torch::allclose(ours.to(torch::kFloat64), expected, 1e-5, 1e-6)) << f.size() << " taps";
    }
  }
  // Up keeps the resolution contract (x2) and, away from the border, a constant.
  const torch::Tensor up = resample(torch::ones({1, 1, 4, 4}), {1, 3, 3, 1}, ResampleMode::up);
  EXPECT_EQ(up.sizes(), (std::vector<int64_t>{1, 1, 8, 8}));
  EXPECT_TRUE(torch::allclose(up.slice(2, 2, 6).slice(3, 2, 6), torch::ones({1, 1, 4, 4})));
}

}  // namespace
}  // namespace dact::models
