// Inception Score against metrics_reference.h5 and against math.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "models/metrics/inception_score.h"
#include "tests/models/metrics_reference.h"

namespace dact::models::metrics {
namespace {

TEST(MetricsInceptionScore, MatchesReference) {
  const torch::Tensor logits = dact::testing::metrics_reference_tensor("logits");
  ASSERT_EQ(logits.scalar_type(), torch::kFloat32);
  const auto expected = dact::testing::metrics_reference_expected();
  const InceptionScore is = inception_score(logits, 10);
  // The reference takes softmax in float64 of the float32 logits.
  const double is_mean = expected.at("is_mean"), is_std = expected.at("is_std");
  EXPECT_NEAR(is.mean, is_mean, 1e-9 * is_mean);
  EXPECT_NEAR(is.std, is_std, 1e-9 * is_std);
}

TEST(MetricsInceptionScore, ConfidentUniformClassesScoreTheClassCount) {
  // One-hot predictions spread evenly over C classes: KL = log C, IS = C.
  const int64_t C = 8;
  const torch::Tensor logits = 1000 * torch::eye(C, torch::kFloat64).repeat({5, 1});
  const InceptionScore is = inception_score(logits, 5);
  EXPECT_NEAR(is.mean, static_cast<double>(C), 1e-9);
  EXPECT_NEAR(is.std, 0.0, 1e-9);
}

TEST(MetricsInceptionScore, UninformativePredictionsScoreOne) {
  const InceptionScore is = inception_score(torch::zeros({20, 7}), 10);
  EXPECT_NEAR(is.mean, 1.0, 1e-12);
}

TEST(MetricsInceptionScore, TooFewRowsAreRejected) {
  EXPECT_THROW(inception_score(torch::zeros({5, 3}), 10), std::invalid_argument);
}

}  // namespace
}  // namespace dact::models::metrics
