// Addresses of actors. MPI members are their rank in the world communicator; TCP members
// get ids from kFirstTcpPeerId upward, assigned by the listening side per connection.
#pragma once

#include <cstdint>

namespace dact::actors {

using PeerId = int32_t;

constexpr PeerId kCoordinatorPeer = 0;   // rank 0, also the far end of every TCP client link
constexpr PeerId kUnknownPeer = -1;      // a TCP client before the coordinator names it
constexpr PeerId kFirstTcpPeerId = 1 << 20;

inline bool is_tcp_peer(PeerId peer) { return peer >= kFirstTcpPeerId; }

}  // namespace dact::actors
