// The transport interface (c10d style): the Actor and everything above it talk to peers
// only through this, so no caller ever branches on MPI vs TCP vs loopback.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/envelope.h"
#include "actors/peer_id.h"

namespace dact::actors {

// A link to a peer came up or went down (TCP connect / close; MPI links never change).
struct LinkEvent {
  PeerId peer = kUnknownPeer;
  bool up = false;
  std::string reason;
};

struct TransportCounters {
  uint64_t frames_sent = 0;
  uint64_t frames_received = 0;
  uint64_t frames_rejected = 0;  // refused as malformed, oversized or corrupted
  uint64_t frames_dropped = 0;   // addressed to a peer whose link is down
  uint64_t connections_refused = 0;  // closed at accept: too many links awaiting admission
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
};

// Implementations are not thread-safe: one thread (the Actor's run loop) calls every
// method. A transport stamps header.sender of each received envelope from the link it came
// on, so a peer cannot speak for another.
class Transport {
 public:
  virtual ~Transport() = default;

  virtual PeerId self() const = 0;
  // Whether this transport carries traffic for `peer` (used to route between transports).
  virtual bool reaches(PeerId peer) const = 0;

  // Queues `envelope` for `to` and returns without waiting; the transport owns the payload
  // until the send completes, and fills in payload size and checksum. A peer whose link
  // is down gets nothing (frames_dropped); a peer this transport can never reach throws
  // TransportError.
  virtual void send(PeerId to, Envelope envelope) = 0;

  // Makes progress without blocking: completes sends, appends verified envelopes to
  // `received` and link changes to `events`. Returns whether anything happened. Frames
  // that fail validation are logged, counted and never returned.
  virtual bool poll(std::vector<Envelope>& received, std::vector<LinkEvent>& events) = 0;

  // Whether sends are still in flight (the run loop keeps polling briskly while true).
  virtual bool has_pending_sends() const = 0;

  // Drops the link to `peer` (TCP: closes the socket). No-op where links are fixed.
  virtual void disconnect(PeerId peer, const std::string& reason) = 0;

  // Lets `peer`'s link carry frames of up to max_payload_bytes from now on. A listening
  // TCP transport reads one frame of a new link and then nothing more until admitted
  // (TcpServerOptions); links that need no admission (MPI, loopback) ignore this.
  virtual void admit(PeerId /*peer*/, uint64_t /*max_payload_bytes*/) {}

  virtual TransportCounters counters() const = 0;
};

}  // namespace dact::actors
