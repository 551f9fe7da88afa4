#include <gtest/gtest.h>

#include "actors/runtime_messages.h"
#include "tests/actors/raw_tcp_peer.h"
#include "tests/actors/test_messages.h"
#include "tests/coordinator/coordinator_fixture.h"

namespace dact::coordinator::testing {
namespace {

using actors::testing::raw_frame;

class CoordinatorTcpMembership : public CoordinatorFixture {
 protected:
  void SetUp() override {
    CoordinatorOptions options;
    options.status.port = free_tcp_port();
    options.join_timeout_s = 0.3;
    start_coordinator(RoleMap({{"trainer", 1}}), options);
    status_port = options.status.port;
  }

  bool coordinator_closes_after(const std::vector<std::byte>& bytes) {
    return actors::testing::link_closed_after_sending(tcp_port, bytes);
  }

  uint64_t refusals() { return on_coordinator([&] { return coordinator->status_json()["refusals"].get<uint64_t>(); }); }
  uint64_t frames_rejected() {
    return on_coordinator([&] { return coordinator_actor->transport_counters().frames_rejected; });
  }

  uint16_t status_port = 0;
};

TEST_F(CoordinatorTcpMembership, WrongTokenIsRefusedAndTheLinkClosed) {
  MemberOptions options;
  options.join_token = "not-the-token";
  options.role = "evaluator";
  TestMember& member = add_tcp_member(options);
  std::atomic<bool> refused{false};
  member.session->on_refused([&](const std::string& reason) {
    EXPECT_NE(reason.find("wrong join token"), std::string::npos) << reason;
    refused = true;
  });
  member.start();
  ASSERT_TRUE(eventually([&] { return refused.load(); }));
  EXPECT_EQ(on_coordinator([&] { return coordinator->members().alive_count(true); }), 0u);
  EXPECT_GE(refusals(), 1u);
}

TEST_F(CoordinatorTcpMembership, OversizedFrameIsRefused) {
  EXPECT_TRUE(coordinator_closes_after(raw_frame(JoinRequest::kTypeId, 1, {}, uint64_t{1} << 40)));
  EXPECT_EQ(frames_rejected(), 1u);
  // The closed link is forgotten: the join timeout does not count it again later.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(refusals(), 0u);
}

TEST_F(CoordinatorTcpMembership, MalformedFramesAreRefused) {
  EXPECT_TRUE(coordinator_closes_after(std::vector<std::byte>(64, std::byte{0x7f})));  // no magic
  actors::Bytes truncated_join(5, std::byte{1});  // a JoinRequest payload cut short
  EXPECT_TRUE(coordinator_closes_after(raw_frame(JoinRequest::kTypeId, 1, truncated_join, 5)));
  EXPECT_EQ(frames_rejected(), 1u);  // the first; the second is a well-framed bad payload
  EXPECT_GE(refusals(), 1u);
}

TEST_F(CoordinatorTcpMembership, UnknownMessageTypeIsRefusedBeforeItsPayload) {
  EXPECT_TRUE(coordinator_closes_after(raw_frame(4321, 1, {}, 0)));
  EXPECT_EQ(frames_rejected(), 1u);
}

TEST_F(CoordinatorTcpMembership, NonJoinMessageFromStrangerIsRefusedBeforeItsPayload) {
  actors::ByteWriter result;
  JobResult{7, {}}.encode(result);
  EXPECT_TRUE(coordinator_closes_after(raw_frame(JobResult::kTypeId, 1, result.take(), 16)));
  EXPECT_EQ(frames_rejected(), 1u);
}

TEST_F(CoordinatorTcpMembership, AStrangerThatOpensWithAHeartbeatCannotSendALargeFrame) {
  // Before the token a link sends one JoinRequest of at most 64 KiB; opening with a
  // Heartbeat used to lift that limit to 256 MiB for every later frame.
  std::vector<std::byte> bytes = raw_frame(actors::Heartbeat::kTypeId, 1, {}, 0);
  const std::vector<std::byte> large = raw_frame(JoinRequest::kTypeId, 1, {}, uint64_t{1} << 20);
  bytes.insert(bytes.end(), large.begin(), large.end());
  EXPECT_TRUE(coordinator_closes_after(bytes));
  EXPECT_EQ(frames_rejected(), 1u);
  EXPECT_EQ(on_coordinator([&] { return coordinator_actor->counters().messages_handled; }), 0u);
}

TEST_F(CoordinatorTcpMembership, AControlMessageFromAStrangerOrTheWrongMemberNeverReachesItsHandler) {
  // The run's control messages (TrainingFinished & co.) are registered with
  // member_holding(); Ping stands in for one that only trainer 0 may send.
  using actors::testing::Ping;
  std::atomic<int> obeyed{0};
  std::atomic<PeerId> obeyed_from{actors::kUnknownPeer};
  on_coordinator([&] {
    coordinator_actor->on<Ping>(coordinator->member_holding("trainer", 0), [&](const Ping&, PeerId from) {
      obeyed_from = from;
      ++obeyed;
    });
  });
  MemberOptions evaluator_options;
  evaluator_options.role = "evaluator";
  TestMember& evaluator = add_tcp_member(evaluator_options);
  std::atomic<bool> evaluator_joined{false};
  evaluator.session->on_joined([&](PeerId) { evaluator_joined = true; });
  evaluator.start();
  TestMember& trainer = add_rank(1);
  std::atomic<bool> trainer_joined{false};
  trainer.session->on_role([&](const RoleAssignment&) { trainer_joined = true; });
  trainer.start();
  ASSERT_TRUE(eventually([&] { return evaluator_joined && trainer_joined; }));

  const actors::Bytes ping = actors::encode_payload(Ping{1, ""});
  const uint64_t rejected_before = on_coordinator([&] { return coordinator_actor->counters().messages_rejected; });
  evaluator.thread->call([&] { evaluator.actor.send(actors::kCoordinatorPeer, Ping{2, ""}); });  // a member, not trainer 0
  trainer.thread->call([&] { trainer.actor.send(actors::kCoordinatorPeer, Ping{3, ""}); });
  ASSERT_TRUE(eventually([&] { return obeyed == 1; }));
  ASSERT_TRUE(eventually([&] {
    return on_coordinator([&] { return coordinator_actor->counters().messages_rejected; }) == rejected_before + 1;
  }));
  EXPECT_EQ(obeyed_from, 1);
  EXPECT_EQ(obeyed, 1);
}

TEST_F(CoordinatorTcpMembership, AJoinAsARoleThatMayNotJoinOverTcpIsRefused) {
  MemberOptions options;
  options.role = "trainer";
  TestMember& member = add_tcp_member(options);
  std::atomic<bool> refused{false};
  member.session->on_refused([&](const std::string& reason) {
    EXPECT_NE(reason.find("cannot join over TCP"), std::string::npos) << reason;
    refused = true;
  });
  member.start();
  ASSERT_TRUE(eventually([&] { return refused.load(); }));
}

TEST_F(CoordinatorTcpMembership, InvalidUtf8AndControlCharactersInANameReachTheStatusEndpointSafely) {
  MemberOptions options;
  options.role = "evaluator";
  options.name = "bad\xff\xfe name\nmpirun noticed that process rank 3 exited on signal 9";
  TestMember& member = add_tcp_member(options);
  std::atomic<bool> joined{false};
  member.session->on_joined([&](PeerId) { joined = true; });
  member.start();
  ASSERT_TRUE(eventually([&] { return joined.load(); }));
  const nlohmann::json status = http_get_json(status_port);
  ASSERT_EQ(status["members"].size(), 1u);
  const std::string name = status["members"][0]["name"];
  EXPECT_EQ(name.find('\n'), std::string::npos) << name;
  EXPECT_NE(name.find("\xEF\xBF\xBD"), std::string::npos) << name;  // U+FFFD for the invalid bytes
}

TEST_F(CoordinatorTcpMembership, SilentStrangerIsDisconnectedAfterTheJoinTimeout) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(coordinator_closes_after({}));  // connects, sends nothing
  const double closed_after_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(closed_after_s, 0.3);
  EXPECT_LT(closed_after_s, 2.0);
  EXPECT_EQ(refusals(), 1u);
}

TEST_F(CoordinatorTcpMembership, AfterAbuseAGoodMemberJoinsAndStatusShowsIt) {
  coordinator_closes_after(std::vector<std::byte>(64, std::byte{0x7f}));
  coordinator_closes_after(raw_frame(JoinRequest::kTypeId, 1, actors::Bytes(5, std::byte{1}), 5));
  MemberOptions options;
  options.role = "evaluator";
  options.name = "evaluator@test";
  TestMember& member = add_tcp_member(options);
  std::atomic<PeerId> member_id{actors::kUnknownPeer};
  member.session->on_joined([&](PeerId id) { member_id = id; });
  member.start();
  ASSERT_TRUE(eventually([&] { return member_id != actors::kUnknownPeer; }));
  EXPECT_TRUE(actors::is_tcp_peer(member_id));

  const nlohmann::json status = http_get_json(status_port);
  EXPECT_EQ(status["state"], "running");
  EXPECT_EQ(status["roles"]["trainer"], nlohmann::json::array({1}));
  ASSERT_EQ(status["members"].size(), 1u);
  EXPECT_EQ(status["members"][0]["name"], "evaluator@test");
  EXPECT_EQ(status["members"][0]["transport"], "tcp");
  EXPECT_EQ(status["members"][0]["state"], "alive");
  EXPECT_LT(status["members"][0]["last_heard_s_ago"].get<double>(), 0.5);
  EXPECT_EQ(status["counters"]["frames_rejected"], 1);  // the bytes without magic
  EXPECT_EQ(status["refusals"], 1);                     // the undecodable JoinRequest
  EXPECT_TRUE(status["jobs"].contains("queued"));
  EXPECT_GT(status["counters"]["bytes_received"].get<uint64_t>(), 0u);
}

}  // namespace
}  // namespace dact::coordinator::testing
