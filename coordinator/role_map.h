// Role assignment: the run config's roles map, e.g. {data_loader: 1, trainer: 2, ema: 1,
// evaluator: 1}, becomes one role per MPI rank. Rank 0 is always the coordinator; ranks
// 1.. are filled in the order the roles are listed.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace dact::coordinator {

constexpr const char* kCoordinatorRole = "coordinator";

struct RankRole {
  std::string role;
  int role_index = 0;  // 0-based among ranks holding the same role
  int role_count = 0;
};

class RoleMap {
 public:
  // Keeps the order given. Throws RoleConfigError for a duplicate or empty role name, a
  // count below 1, or the reserved name "coordinator".
  explicit RoleMap(std::vector<std::pair<std::string, int>> counts);
  // From a JSON object, keeping its key order; throws RoleConfigError on non-integer counts.
  static RoleMap from_json(const nlohmann::ordered_json& roles);

  int member_count() const;  // ranks needed besides the coordinator
  // One entry per rank of a world of member_count() + 1; throws RoleConfigError if
  // world_size differs.
  std::vector<RankRole> assign(int world_size) const;
  const std::vector<std::pair<std::string, int>>& counts() const { return counts_; }

 private:
  std::vector<std::pair<std::string, int>> counts_;
};

}  // namespace dact::coordinator
