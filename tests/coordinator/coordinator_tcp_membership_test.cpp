#include <gtest/gtest.h>

#include "tests/actors/raw_tcp_peer.h"
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

TEST_F(CoordinatorTcpMembership, UnknownMessageTypeIsRefused) {
  EXPECT_TRUE(coordinator_closes_after(raw_frame(4321, 1, {}, 0)));
  EXPECT_EQ(refusals(), 1u);
}

TEST_F(CoordinatorTcpMembership, NonJoinMessageFromStrangerIsRefused) {
  actors::ByteWriter result;
  JobResult{7, {}}.encode(result);
  EXPECT_TRUE(coordinator_closes_after(raw_frame(JobResult::kTypeId, 1, result.take(), 16)));
  EXPECT_EQ(refusals(), 1u);
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
  coordinator_closes_after(raw_frame(4321, 1, {}, 0));
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
  EXPECT_EQ(status["refusals"], 1);                     // the unknown message type
  EXPECT_TRUE(status["jobs"].contains("queued"));
  EXPECT_GT(status["counters"]["bytes_received"].get<uint64_t>(), 0u);
}

}  // namespace
}  // namespace dact::coordinator::testing
