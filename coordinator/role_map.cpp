#include "coordinator/role_map.h"

#include <fmt/format.h>

#include <set>

#include "coordinator/coordinator_errors.h"

namespace dact::coordinator {

RoleMap::RoleMap(std::vector<std::pair<std::string, int>> counts) : counts_(std::move(counts)) {
  std::set<std::string> seen;
  for (const auto& [role, count] : counts_) {
    if (role.empty()) throw RoleConfigError("roles: empty role name");
    if (role == kCoordinatorRole) {
      throw RoleConfigError("roles: 'coordinator' is reserved for rank 0");
    }
    if (!seen.insert(role).second) throw RoleConfigError(fmt::format("roles: '{}' listed twice", role));
    if (count < 1) throw RoleConfigError(fmt::format("roles.{}: count {} < 1", role, count));
  }
}

RoleMap RoleMap::from_json(const nlohmann::ordered_json& roles) {
  if (!roles.is_object()) throw RoleConfigError("roles: expected an object of role -> count");
  std::vector<std::pair<std::string, int>> counts;
  for (const auto& [role, count] : roles.items()) {
    if (!count.is_number_integer()) {
      throw RoleConfigError(fmt::format("roles.{}: expected an integer count, got {}", role,
                                        count.dump()));
    }
    counts.emplace_back(role, count.get<int>());
  }
  return RoleMap(std::move(counts));
}

int RoleMap::member_count() const {
  int total = 0;
  for (const auto& [role, count] : counts_) total += count;
  return total;
}

std::vector<RankRole> RoleMap::assign(int world_size) const {
  if (world_size != member_count() + 1) {
    throw RoleConfigError(fmt::format("roles need {} ranks (coordinator + {} members), the MPI "
                                      "world has {}", member_count() + 1, member_count(),
                                      world_size));
  }
  std::vector<RankRole> ranks;
  ranks.push_back({kCoordinatorRole, 0, 1});
  for (const auto& [role, count] : counts_) {
    for (int i = 0; i < count; ++i) ranks.push_back({role, i, count});
  }
  return ranks;
}

}  // namespace dact::coordinator
