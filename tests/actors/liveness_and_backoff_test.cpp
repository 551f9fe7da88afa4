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
  backoff.on_work(t0 + microseconds(3000));  // a long gap: the spin window stays 50 us
  EXPECT_EQ(backoff.next_wait(t0 + microseconds(3001), no_cap), microseconds(0));
  EXPECT_EQ(backoff.next_wait(t0 + microseconds(3050), no_cap), microseconds(0));
  EXPECT_EQ(backoff.next_wait(t0 + microseconds(3051), no_cap), microseconds(10));
}

// Work that ended an idle gap stretches the next spin window to twice the gap, within
// [spin_window, max_spin_window]; a gap longer than max_spin_window shrinks it back.
TEST(IdleBackoff, SpinWindowFollowsTheLastGapThatEndedInWork) {
  IdleBackoffOptions options;
  options.spin_window = microseconds(200);
  options.first_wait = microseconds(50);
  options.max_wait = microseconds(1000);
  options.max_spin_window = microseconds(2000);
  IdleBackoff backoff(options);
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  const auto no_cap = microseconds::max();

  // Idle from t0, work after 700 us (a peer that slept): spin 1400 us next time.
  EXPECT_EQ(backoff.next_wait(t0, no_cap), microseconds(0));
  backoff.on_work(t0 + microseconds(700));
  EXPECT_EQ(backoff.spin_window(), microseconds(1400));
  const auto t1 = t0 + microseconds(1000);
  EXPECT_EQ(backoff.next_wait(t1, no_cap), microseconds(0));
  EXPECT_EQ(backoff.next_wait(t1 + microseconds(1399), no_cap), microseconds(0));
  EXPECT_EQ(backoff.next_wait(t1 + microseconds(1400), no_cap), microseconds(50));

  // Quick replies again: a 3 us gap brings the window back to its floor.
  backoff.on_work(t1 + microseconds(1500));
  EXPECT_EQ(backoff.next_wait(t1 + microseconds(1600), no_cap), microseconds(0));
  backoff.on_work(t1 + microseconds(1603));
  EXPECT_EQ(backoff.spin_window(), microseconds(200));

  // A gap of 1.5 ms is still caught: the window is capped at 2 ms, not dropped.
  const auto t2 = t1 + microseconds(5000);
  backoff.next_wait(t2, no_cap);
  backoff.on_work(t2 + microseconds(1500));
  EXPECT_EQ(backoff.spin_window(), microseconds(2000));

  // Work consecutive passes (no idle pass between) leaves the window as it was.
  backoff.on_work(t2 + microseconds(1501));
  EXPECT_EQ(backoff.spin_window(), microseconds(2000));

  // An idle actor woken after 50 ms: back to the short window.
  const auto t3 = t2 + microseconds(10000);
  backoff.next_wait(t3, no_cap);
  backoff.on_work(t3 + microseconds(50000));
  EXPECT_EQ(backoff.spin_window(), microseconds(200));
}

}  // namespace
}  // namespace dact::actors
