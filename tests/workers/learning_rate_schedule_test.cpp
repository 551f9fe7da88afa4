// EDM2 learning-rate schedule against NVlabs/edm2 training_loop.py (edm2_math.json).
#include <gtest/gtest.h>

#include "tests/workers/edm2_math_reference.h"
#include "workers/trainer/learning_rate_schedule.h"

namespace dact::workers::trainer {
namespace {

TEST(LearningRateSchedule, MatchesReference) {
  const auto reference = dact::testing::edm2_math().at("learning_rate_schedule");
  ASSERT_EQ(reference.size(), 10u);
  for (const auto& entry : reference) {
    SCOPED_TRACE(entry.dump());
    const double lr = learning_rate_schedule(
        entry.at("cur_nimg").get<int64_t>(), entry.at("batch_size").get<int64_t>(),
        entry.at("ref_lr"), entry.at("ref_batches"), entry.at("rampup_Mimg"));
    const double expected = entry.at("lr");
    if (expected == 0) {
      EXPECT_EQ(lr, 0.0);
    } else {
      dact::testing::expect_relative(lr, expected, 1e-9);
    }
  }
}

TEST(LearningRateSchedule, ZeroRampupAndZeroRefBatchesDisableTheirFactors) {
  EXPECT_EQ(learning_rate_schedule(0, 2048, 0.01, 0, 0), 0.01);
  // Decay only: ref_lr / sqrt(nimg / (ref_batches * batch)) = 0.01 / sqrt(4).
  EXPECT_DOUBLE_EQ(learning_rate_schedule(4 * 100 * 2048, 2048, 0.01, 100, 0), 0.005);
}

}  // namespace
}  // namespace dact::workers::trainer
