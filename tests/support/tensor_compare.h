#pragma once
// Parity checks against reference outputs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

namespace dact::testing {

// max |actual - expected| / max |expected| in float64 (the absolute error when expected
// is all zero); a shape mismatch is a test failure and an infinite error.
inline double max_relative_error(const torch::Tensor& actual, const torch::Tensor& expected) {
  if (actual.sizes() != expected.sizes()) {
    ADD_FAILURE() << "shape " << actual.sizes() << " != expected " << expected.sizes();
    return std::numeric_limits<double>::infinity();
  }
  const torch::Tensor a = actual.detach().to(torch::kFloat64);
  const torch::Tensor e = expected.detach().to(torch::kFloat64);
  const double scale = e.abs().max().item<double>();
  const double error = (a - e).abs().max().item<double>();
  return scale == 0 ? error : error / scale;
}

}  // namespace dact::testing
