#include <gtest/gtest.h>

#include "actors/idle_backoff.h"
#include "actors/liveness_tracker.h"

namespace dact::actors {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(LivenessTracker, DeclaresOnlyPeersSilentLongerThanTheTimeout) {
  LivenessTracker tracker(1.0);
  const SteadyTime t0{};
  tracker.monitor(1, t0);
  tracker.monitor(2, t0);
  tracker.heard_from(2, t0 + milliseconds(800));
  EXPECT_TRUE(tracker.take_expired(t0 + milliseconds(1000)).empty());  // exactly 1 s: alive
  EXPECT_EQ(tracker.take_expired(t0 + milliseconds(1001)), std::vector<PeerId>{1});
  EXPECT_TRUE(tracker.take_expired(t0 + milliseconds(1500)).empty());  // 1 named only once
  EXPECT_DOUBLE_EQ(tracker.silence_s(2, t0 + milliseconds(1500)), 0.7);
  EXPECT_EQ(tracker.take_expired(t0 + milliseconds(1801)), std::vector<PeerId>{2});
}

TEST(LivenessTracker, IgnoresPeersItDoesNotMonitor) {
  LivenessTracker tracker(1.0);
  tracker.heard_from(7, SteadyTime{});
  EXPECT_FALSE(tracker.monitors(7));
}

TEST(IdleBackoff, SpinsThenDoublesUpToTheCeiling) {
  IdleBackoff backoff({microseconds(50), microseconds(10), microseconds(80)});
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  const auto no_cap = microseconds::max();
  EXPECT_EQ(backoff.next_wait(t0, no_cap), microseconds(0));
  EXPECT_EQ(backoff.next_wait(t0 + microseconds(49), no_cap), microseconds(0));
  EXPECT_EQ(backoff.next_wait(t0 + microseconds(50), no_cap), microseconds(10));
  EXPECT_EQ(backoff.next_wait(t0 + microseconds(60), no_cap), microseconds(20));
  EXPECT_EQ(backoff.next_wait(t0 + microseconds(80), no_cap), microseconds(40));
  EXPECT_EQ(backoff.next_wait(t0 + microseconds(120), no_cap), microseconds(80));
  EXPECT_EQ(backoff.next_wait(t0 + microseconds(200), no_cap), microseconds(80));
  EXPECT_EQ(backoff.next_wait(t0 + microseconds(300), microseconds(20)), microseconds(20));
  backoff.reset();
  EXPECT_EQ(backoff.next_wait(t0 + microseconds(400), no_cap), microseconds(0));
}

}  // namespace
}  // namespace dact::actors
