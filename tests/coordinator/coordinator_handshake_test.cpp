#include <gtest/gtest.h>

#include "coordinator/coordinator_errors.h"
#include "tests/coordinator/coordinator_fixture.h"

namespace dact::coordinator::testing {
namespace {

class CoordinatorHandshake : public CoordinatorFixture {};

TEST_F(CoordinatorHandshake, AssignsRolesAndRefusesOtherProtocolOrConfig) {
  start_coordinator(RoleMap({{"trainer", 2}, {"ema", 1}, {"evaluator", 1}}));
  std::vector<std::string> roles(5);
  std::vector<std::string> refusals(5);
  for (int rank = 1; rank <= 4; ++rank) {
    MemberOptions options;
    if (rank == 3) options.config_hash = kConfigHash + 1;
    if (rank == 4) options.protocol_version = kProtocolVersion + 1;
    TestMember& member = add_rank(rank, options);
    member.session->on_role([&roles, rank](const RoleAssignment& assignment) {
      roles[rank] = assignment.role + "/" + std::to_string(assignment.role_index);
    });
    member.session->on_refused([&refusals, rank](const std::string& reason) { refusals[rank] = reason; });
    member.start();
  }
  ASSERT_TRUE(eventually([&] { return !roles[2].empty() && !refusals[3].empty() && !refusals[4].empty(); }));
  EXPECT_EQ(roles[1], "trainer/0");
  EXPECT_EQ(roles[2], "trainer/1");
  EXPECT_TRUE(roles[3].empty());
  EXPECT_NE(refusals[3].find("config hash"), std::string::npos) << refusals[3];
  EXPECT_NE(refusals[4].find("protocol"), std::string::npos) << refusals[4];
  EXPECT_EQ(on_coordinator([&] { return coordinator->members().alive_count(false); }), 2u);
}

TEST_F(CoordinatorHandshake, RefusedMemberWithoutHandlerStopsWithMembershipRefused) {
  start_coordinator(RoleMap({{"trainer", 1}}));
  MemberOptions options;
  options.config_hash = 99;
  TestMember& member = add_rank(1, options);
  member.start();
  ASSERT_TRUE(eventually([&] { return member.thread->finished(); }));
  EXPECT_THROW(member.thread->join(), MembershipRefused);
}

TEST_F(CoordinatorHandshake, LosingAnMpiMemberEndsTheWorldNamingRankAndRole) {
  start_coordinator(RoleMap({{"data_loader", 1}, {"trainer", 1}}));
  add_rank(1).start();
  add_rank(2).start();
  ASSERT_TRUE(eventually([&] {
    return on_coordinator([&] { return coordinator->members().alive_count(false); }) == 2;
  }));
  network->crash(2);
  ASSERT_TRUE(eventually([&] { return coordinator_thread->finished(); }));
  try {
    coordinator_thread->join();
    FAIL() << "expected WorldMemberLost";
  } catch (const WorldMemberLost& error) {
    EXPECT_NE(std::string(error.what()).find("rank 2 (trainer 0)"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace dact::coordinator::testing
