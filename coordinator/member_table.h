// The coordinator's record of its members: MPI ranks (from the handshake) and TCP members
// (from joins), with their role and how their membership ended. Not thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "actors/peer_id.h"

namespace dact::coordinator {

using actors::PeerId;

enum class MemberState { kAlive, kLeft, kDead };

struct Member {
  PeerId peer = actors::kUnknownPeer;
  bool over_tcp = false;
  std::string role;
  int role_index = 0;
  std::string name;
  std::string host;  // as the member reported it (sanitised); "" from version-1 members
  MemberState state = MemberState::kAlive;
  std::string end_reason;  // why it left or died
  bool shutdown_acked = false;
  // From the member's ShutdownAck, and what the coordinator had handled from it by then;
  // equal when no message was lost.
  uint64_t messages_sent_reported = 0;
  uint64_t messages_handled_at_ack = 0;
};

const char* to_string(MemberState state);

class MemberTable {
 public:
  // Throws CoordinatorError if `peer` is already an alive member.
  Member& add(Member member);
  Member* find(PeerId peer);
  const Member* find(PeerId peer) const;
  bool is_alive_member(PeerId peer) const;
  // Marks an alive member left/dead; returns false if it was not alive.
  bool end(PeerId peer, MemberState state, const std::string& reason);

  std::vector<PeerId> alive_peers() const;
  size_t alive_count(bool over_tcp) const;
  const std::map<PeerId, Member>& all() const { return members_; }

 private:
  std::map<PeerId, Member> members_;
};

}  // namespace dact::coordinator
