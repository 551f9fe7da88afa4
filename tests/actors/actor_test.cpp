#include "actors/actor.h"

#include <gtest/gtest.h>

#include <atomic>

#include "actors/loopback_transport.h"
#include "tests/actors/actor_test_harness.h"
#include "tests/actors/test_messages.h"

namespace dact::actors {
namespace {

using testing::ActorThread;
using testing::eventually;
using testing::Ping;
using testing::Pong;

ActorOptions fast_liveness() {
  ActorOptions options;
  options.heartbeat_interval_s = 0.05;
  options.liveness_timeout_s = 0.5;
  return options;
}

struct LoopbackPair {
  std::shared_ptr<LoopbackNetwork> network = std::make_shared<LoopbackNetwork>();
  Actor a;
  Actor b;
  explicit LoopbackPair(ActorOptions options = {}) : a(options), b(options) {
    a.add_transport(std::make_unique<LoopbackTransport>(network, 1));
    b.add_transport(std::make_unique<LoopbackTransport>(network, 2));
  }
};

TEST(Actor, PingPongDeliversEveryMessageInOrder) {
  LoopbackPair pair;
  constexpr uint64_t kRounds = 1000;
  std::atomic<uint64_t> last_pong{0};
  std::atomic<bool> out_of_order{false};
  pair.b.on<Ping>([&](const Ping& ping, PeerId from) {
    EXPECT_EQ(from, 1);
    EXPECT_EQ(ping.note, "hello");
    pair.b.send(from, Pong{ping.counter});
  });
  pair.a.on<Pong>([&](const Pong& pong, PeerId from) {
    if (pong.counter != last_pong + 1) out_of_order = true;
    last_pong = pong.counter;
    if (pong.counter < kRounds) pair.a.send(from, Ping{pong.counter + 1, "hello"});
  });
  ActorThread b_thread(pair.b);
  ActorThread a_thread(pair.a);
  a_thread.call([&] { pair.a.send(2, Ping{1, "hello"}); });
  ASSERT_TRUE(eventually([&] { return last_pong == kRounds; }));
  EXPECT_FALSE(out_of_order);
  EXPECT_EQ(a_thread.call([&] { return pair.a.sent_count(2); }), kRounds);
  EXPECT_EQ(b_thread.call([&] { return pair.b.handled_count(1); }), kRounds);
  EXPECT_EQ(b_thread.call([&] { return pair.b.counters().sequence_gaps; }), 0u);
}

TEST(Actor, UnknownTypeIsRejectedAndCountedNotFatal) {
  LoopbackPair pair;
  std::atomic<int> rejections{0};
  std::atomic<int> pings{0};
  pair.b.on_rejected([&](PeerId peer, const ActorError& error) {
    EXPECT_EQ(peer, 1);
    EXPECT_NE(dynamic_cast<const UnknownMessageType*>(&error), nullptr);
    ++rejections;
  });
  pair.b.on<Ping>([&](const Ping&, PeerId) { ++pings; });
  ActorThread b_thread(pair.b);
  pair.a.send(2, Pong{7});  // b has no Pong handler
  pair.a.send(2, Ping{1, ""});
  ASSERT_TRUE(eventually([&] { return pings == 1; }));
  EXPECT_EQ(rejections, 1);
  EXPECT_EQ(b_thread.call([&] { return pair.b.counters().messages_rejected; }), 1u);
}

TEST(Actor, OlderVersionDecodesAndNewerVersionIsRejected) {
  LoopbackPair pair;
  std::atomic<int> rejections{0};
  std::atomic<uint64_t> received_counter{0};
  pair.b.on_rejected([&](PeerId, const ActorError& error) {
    EXPECT_NE(dynamic_cast<const UnsupportedMessageVersion*>(&error), nullptr);
    ++rejections;
  });
  pair.b.on<Ping>([&](const Ping& ping, PeerId) { received_counter = ping.counter; });
  ActorThread b_thread(pair.b);
  ByteWriter version1;
  version1.u64(11);  // version 1 had only the counter
  pair.a.send_envelope(2, Ping::kTypeId, 1, version1.take());
  ASSERT_TRUE(eventually([&] { return received_counter == 11; }));
  pair.a.send_envelope(2, Ping::kTypeId, Ping::kVersion + 1, encode_payload(Ping{12, ""}));
  ASSERT_TRUE(eventually([&] { return rejections == 1; }));
  EXPECT_EQ(received_counter, 11u);
}

TEST(Actor, TruncatedPayloadIsADecodeErrorNotACrash) {
  LoopbackPair pair;
  std::atomic<int> decode_errors{0};
  pair.b.on_rejected([&](PeerId, const ActorError& error) {
    if (dynamic_cast<const DecodeError*>(&error)) ++decode_errors;
  });
  pair.b.on<Ping>([&](const Ping&, PeerId) {});
  ActorThread b_thread(pair.b);
  ByteWriter short_ping;
  short_ping.u32(1);
  pair.a.send_envelope(2, Ping::kTypeId, 2, short_ping.take());
  ASSERT_TRUE(eventually([&] { return decode_errors == 1; }));
}

TEST(Actor, SilentMonitoredPeerIsDeclaredDeadWithinTheTimeout) {
  LoopbackPair pair(fast_liveness());
  std::atomic<PeerId> dead_peer{kUnknownPeer};
  std::atomic<int> down_calls{0};
  pair.a.on_peer_down([&](PeerId peer, const std::string& reason) {
    dead_peer = peer;
    ++down_calls;
    EXPECT_NE(reason.find("silent"), std::string::npos) << reason;
  });
  auto b_thread = std::make_unique<ActorThread>(pair.b);
  b_thread->call([&] { pair.b.monitor(1); });
  ActorThread a_thread(pair.a);
  a_thread.call([&] { pair.a.monitor(2); });
  // While b runs, its heartbeats keep it alive well past the timeout.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(down_calls, 0);
  b_thread.reset();  // b stops: silence
  const auto stopped_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return down_calls == 1; }, 3.0));
  const double detected_after_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped_at).count();
  EXPECT_EQ(dead_peer, 2);
  EXPECT_GE(detected_after_s, 0.5 - 0.05);  // not before its silence exceeded the timeout
  EXPECT_LT(detected_after_s, 0.5 + 1.0);    // slack for a loaded CI machine
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(down_calls, 1);  // told once
}

TEST(Actor, LinkDownDeclaresAMonitoredPeerDeadAtOnce) {
  LoopbackPair pair;  // default 5 s timeout: only the link event can explain a quick death
  std::atomic<int> down_calls{0};
  pair.a.on_peer_down([&](PeerId peer, const std::string& reason) {
    EXPECT_EQ(peer, 2);
    EXPECT_NE(reason.find("link down"), std::string::npos);
    ++down_calls;
  });
  ActorThread a_thread(pair.a);
  a_thread.call([&] { pair.a.monitor(2); });
  pair.network->crash(2);
  ASSERT_TRUE(eventually([&] { return down_calls == 1; }, 1.0));
}

TEST(Actor, IdleLoopSleepsInsteadOfSpinning) {
  Actor actor;
  actor.add_transport(std::make_unique<LoopbackTransport>(std::make_shared<LoopbackNetwork>(), 1));
  std::atomic<int> passes{0};
  std::atomic<bool> stop{false};
  std::thread loop([&] {
    while (!stop) {
      actor.run_once();
      ++passes;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  loop.join();
  // With a 1 ms back-off ceiling, 300 ms idle is at most a few hundred passes plus the spin
  // window; a busy loop would make millions.
  EXPECT_LT(passes, 5000);
}

TEST(Actor, MessageFromASenderTheCheckRefusesIsDroppedUndecoded) {
  LoopbackPair pair;
  std::atomic<int> forbidden{0};
  std::atomic<int> pings{0};
  pair.b.on_rejected([&](PeerId peer, const ActorError& error) {
    EXPECT_EQ(peer, 1);
    if (dynamic_cast<const ForbiddenSender*>(&error) != nullptr) ++forbidden;
  });
  pair.b.on<Ping>(only_from({3}), [&](const Ping&, PeerId) { ++pings; });
  pair.b.on<Pong>(only_from({1}), [&](const Pong&, PeerId) { ++pings; });
  ActorThread b_thread(pair.b);
  pair.a.send(2, Ping{1, ""});  // peer 1 may not send Ping
  pair.a.send(2, Pong{2});      // but may send Pong
  ASSERT_TRUE(eventually([&] { return pings == 1 && forbidden == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(pings, 1);
  EXPECT_EQ(b_thread.call([&] { return pair.b.counters().messages_rejected; }), 1u);
}

TEST(Actor, DestructionWithAPostedSendToARemovedTransportDoesNotTerminate) {
  // A role that fails unwinds through its Actor's destructor with sends still posted (a
  // trainer's credits, say); they must not throw there, or the process aborts instead of
  // reporting the role's error.
  EXPECT_EXIT(
      {
        {
          Actor actor;
          actor.add_transport(std::make_unique<LoopbackTransport>(std::make_shared<LoopbackNetwork>(), 1));
          actor.post([&actor] { actor.send(2, Ping{1, "never sent"}); });
        }
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace dact::actors
