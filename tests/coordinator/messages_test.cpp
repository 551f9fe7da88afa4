// Every coordinator message through its codec (tests/support/message_round_trip.h), each
// field set to a value that is not its default.
#include "coordinator/messages.h"

#include <gtest/gtest.h>

#include <tuple>

#include "tests/support/message_round_trip.h"

namespace dact::coordinator {
namespace {

using dact::testing::expect_round_trip;

const Bytes kPayload = {std::byte{1}, std::byte{0}, std::byte{0xff}, std::byte{7}};

TEST(CoordinatorMessages, EveryMessageRoundTrips) {
  expect_round_trip(RankHello{7, 0x0123456789abcdefULL, "node-3"},
                    [](const RankHello& m) { return std::tie(m.protocol_version, m.config_hash, m.host); });
  expect_round_trip(RoleAssignment{"trainer", 1, 2},
                    [](const RoleAssignment& m) { return std::tie(m.role, m.role_index, m.role_count); });
  expect_round_trip(Refused{"config hash differs"}, [](const Refused& m) { return std::tie(m.reason); });
  expect_round_trip(JoinRequest{"token", 9, 42, "evaluator", "evaluator@host:1", "host"}, [](const JoinRequest& m) {
    return std::tie(m.token, m.protocol_version, m.config_hash, m.role, m.name, m.host);
  });
  expect_round_trip(JoinAccepted{-3}, [](const JoinAccepted& m) { return std::tie(m.member_id); });
  expect_round_trip(LeaveNotice{}, [](const LeaveNotice&) { return std::tie(); });
  expect_round_trip(JobRequest{{"evaluate", "sweep"}}, [](const JobRequest& m) { return std::tie(m.job_types); });
  expect_round_trip(JobLease{11, "evaluate", kPayload, 2.5, 3}, [](const JobLease& m) {
    return std::tie(m.job_id, m.job_type, m.payload, m.lease_timeout_s, m.attempt);
  });
  expect_round_trip(JobResult{12, kPayload}, [](const JobResult& m) { return std::tie(m.job_id, m.payload); });
  expect_round_trip(JobResultAck{13, true}, [](const JobResultAck& m) { return std::tie(m.job_id, m.accepted); });
  expect_round_trip(SubmitJob{"evaluate", kPayload, 30.5},
                    [](const SubmitJob& m) { return std::tie(m.job_type, m.payload, m.lease_timeout_s); });
  expect_round_trip(ShutdownRequest{}, [](const ShutdownRequest&) { return std::tie(); });
  expect_round_trip(ShutdownAck{99}, [](const ShutdownAck& m) { return std::tie(m.messages_sent); });
}

// Members of the previous release send version 1, without their host.
TEST(CoordinatorMessages, VersionOneHellosHaveNoHost) {
  actors::ByteWriter hello;
  hello.u32(7);
  hello.u64(42);
  const Bytes hello_bytes = hello.take();
  actors::ByteReader hello_reader(hello_bytes);
  const RankHello rank = RankHello::decode(hello_reader, 1);
  EXPECT_EQ(rank.config_hash, 42u);
  EXPECT_EQ(rank.host, "");
  actors::ByteWriter join;
  join.string("token");
  join.u32(7);
  join.u64(42);
  join.string("evaluator");
  join.string("evaluator@a:1");
  const Bytes join_bytes = join.take();
  actors::ByteReader join_reader(join_bytes);
  const JoinRequest request = JoinRequest::decode(join_reader, 1);
  EXPECT_EQ(request.name, "evaluator@a:1");
  EXPECT_EQ(request.host, "");
}

}  // namespace
}  // namespace dact::coordinator
