#include "workers/data_loader/sample_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace dact::workers::data_loader {
namespace {

TEST(SampleOrder, EachEpochVisitsEverySampleOnce) {
  const int64_t dataset_size = 96;
  const SampleOrder order(7, dataset_size, {/*batch=*/32, /*batch_per_rank=*/8, /*num_trainers=*/2});
  ASSERT_EQ(order.layout().rounds(), 2);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    std::multiset<int64_t> seen;
    for (int64_t step = epoch * 3; step < epoch * 3 + 3; ++step) {
      for (int64_t round = 0; round < 2; ++round) {
        for (int64_t trainer = 0; trainer < 2; ++trainer) {
          for (int64_t index : order.indices(step, round, trainer)) seen.insert(index);
        }
      }
    }
    ASSERT_EQ(seen.size(), static_cast<size_t>(dataset_size));
    for (int64_t i = 0; i < dataset_size; ++i) EXPECT_EQ(seen.count(i), 1u) << "epoch " << epoch;
  }
}

TEST(SampleOrder, IsAFunctionOfSeedAndPositionOnly) {
  const SampleOrder a(11, 50, {16, 4, 2});
  const SampleOrder b(11, 50, {16, 4, 2});
  // b is queried out of order (as a resumed loader would): same answers.
  EXPECT_EQ(a.indices(9, 1, 1), b.indices(9, 1, 1));
  EXPECT_EQ(a.indices(0, 0, 0), b.indices(0, 0, 0));
  EXPECT_EQ(a.indices(3, 0, 1), b.indices(3, 0, 1));
  const SampleOrder other_seed(12, 50, {16, 4, 2});
  EXPECT_NE(a.indices(0, 0, 0), other_seed.indices(0, 0, 0));
}

TEST(SampleOrder, GlobalBatchDoesNotDependOnTrainerCount) {
  // The same global batch split over 1 or 2 trainers covers the same samples.
  const SampleOrder one(5, 1000, {32, 16, 1});
  const SampleOrder two(5, 1000, {32, 16, 2});
  for (int64_t step : {0, 7, 40}) {
    std::vector<int64_t> a = one.indices(step, 0, 0), extra = one.indices(step, 1, 0);
    a.insert(a.end(), extra.begin(), extra.end());
    std::vector<int64_t> b = two.indices(step, 0, 0), more = two.indices(step, 0, 1);
    b.insert(b.end(), more.begin(), more.end());
    EXPECT_EQ(a, b);
  }
}

TEST(SampleOrder, RejectsUnevenBatchSplit) {
  EXPECT_THROW(SampleOrder(0, 10, {30, 8, 2}), std::invalid_argument);
  EXPECT_THROW(SampleOrder(0, 0, {8, 8, 1}), std::invalid_argument);
}

}  // namespace
}  // namespace dact::workers::data_loader
