#include "coordinator/member_table.h"

#include <fmt/format.h>

#include "coordinator/coordinator_errors.h"

namespace dact::coordinator {

const char* to_string(MemberState state) {
  switch (state) {
    case MemberState::kAlive: return "alive";
    case MemberState::kLeft: return "left";
    case MemberState::kDead: return "dead";
  }
  return "unknown";
}

Member& MemberTable::add(Member member) {
  if (is_alive_member(member.peer)) {
    throw CoordinatorError(fmt::format("peer {} is already a member ({})", member.peer,
                                       members_.at(member.peer).role));
  }
  const PeerId peer = member.peer;
  members_[peer] = std::move(member);
  return members_[peer];
}

Member* MemberTable::find(PeerId peer) {
  auto it = members_.find(peer);
  return it == members_.end() ? nullptr : &it->second;
}

const Member* MemberTable::find(PeerId peer) const {
  auto it = members_.find(peer);
  return it == members_.end() ? nullptr : &it->second;
}

bool MemberTable::is_alive_member(PeerId peer) const {
  const Member* member = find(peer);
  return member != nullptr && member->state == MemberState::kAlive;
}

bool MemberTable::end(PeerId peer, MemberState state, const std::string& reason) {
  Member* member = find(peer);
  if (member == nullptr || member->state != MemberState::kAlive) return false;
  member->state = state;
  member->end_reason = reason;
  return true;
}

std::vector<PeerId> MemberTable::alive_peers() const {
  std::vector<PeerId> peers;
  for (const auto& [peer, member] : members_) {
    if (member.state == MemberState::kAlive) peers.push_back(peer);
  }
  return peers;
}

size_t MemberTable::alive_count(bool over_tcp) const {
  size_t count = 0;
  for (const auto& [peer, member] : members_) {
    count += member.state == MemberState::kAlive && member.over_tcp == over_tcp;
  }
  return count;
}

}  // namespace dact::coordinator
