#include "coordinator/role_map.h"

#include <gtest/gtest.h>

#include "coordinator/coordinator_errors.h"

namespace dact::coordinator {
namespace {

TEST(RoleMap, AssignsRanksInConfigOrderAfterTheCoordinator) {
  const auto roles = RoleMap::from_json(nlohmann::ordered_json::parse(
      R"({"data_loader": 1, "trainer": 2, "ema": 1, "evaluator": 1})"));
  EXPECT_EQ(roles.member_count(), 5);
  const std::vector<RankRole> ranks = roles.assign(6);
  ASSERT_EQ(ranks.size(), 6u);
  const std::vector<std::string> expected = {"coordinator", "data_loader", "trainer",
                                             "trainer",     "ema",         "evaluator"};
  for (size_t rank = 0; rank < ranks.size(); ++rank) EXPECT_EQ(ranks[rank].role, expected[rank]);
  EXPECT_EQ(ranks[2].role_index, 0);
  EXPECT_EQ(ranks[3].role_index, 1);
  EXPECT_EQ(ranks[3].role_count, 2);
}

TEST(RoleMap, RefusesAWorldOfTheWrongSize) {
  const RoleMap roles({{"trainer", 2}});
  EXPECT_THROW(roles.assign(2), RoleConfigError);
  EXPECT_THROW(roles.assign(4), RoleConfigError);
  EXPECT_NO_THROW(roles.assign(3));
}

TEST(RoleMap, RefusesBadRoleMaps) {
  EXPECT_THROW(RoleMap({{"trainer", 0}}), RoleConfigError);
  EXPECT_THROW(RoleMap({{"trainer", 1}, {"trainer", 1}}), RoleConfigError);
  EXPECT_THROW(RoleMap({{"coordinator", 1}}), RoleConfigError);
  EXPECT_THROW(RoleMap({{"", 1}}), RoleConfigError);
  EXPECT_THROW(RoleMap::from_json(nlohmann::ordered_json::parse(R"({"trainer": "2"})")),
               RoleConfigError);
  EXPECT_THROW(RoleMap::from_json(nlohmann::ordered_json::parse("[1]")), RoleConfigError);
}

}  // namespace
}  // namespace dact::coordinator
