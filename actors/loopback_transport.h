// An in-process transport for unit tests: actors run as threads and exchange real
// envelopes (encoded, checksummed, verified) through a shared LoopbackNetwork.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "actors/transport.h"

namespace dact::actors {

// The shared medium. Thread-safe; every LoopbackTransport holds a shared_ptr to it.
class LoopbackNetwork {
 public:
  // Simulates a crash of `peer`: its mailbox is closed, later messages to it are dropped,
  // and every other attached peer sees a link-down event for it.
  void crash(PeerId peer);

 private:
  friend class LoopbackTransport;
  struct Mailbox {
    std::deque<Envelope> envelopes;
    std::deque<LinkEvent> events;
    bool open = true;
  };
  void attach(PeerId peer);
  bool deliver(PeerId to, Envelope envelope);  // false if `to` is closed
  bool take(PeerId peer, std::vector<Envelope>& received, std::vector<LinkEvent>& events);
  bool knows(PeerId peer) const;

  mutable std::mutex mutex_;
  std::map<PeerId, Mailbox> mailboxes_;
};

class LoopbackTransport : public Transport {
 public:
  LoopbackTransport(std::shared_ptr<LoopbackNetwork> network, PeerId self);

  PeerId self() const override { return self_; }
  // Loopback stands in for the MPI world, so it carries every id below the TCP range.
  bool reaches(PeerId peer) const override { return !is_tcp_peer(peer); }
  void send(PeerId to, Envelope envelope) override;
  bool poll(std::vector<Envelope>& received, std::vector<LinkEvent>& events) override;
  bool has_pending_sends() const override { return false; }
  void disconnect(PeerId, const std::string&) override {}
  TransportCounters counters() const override { return counters_; }

 private:
  std::shared_ptr<LoopbackNetwork> network_;
  PeerId self_;
  TransportCounters counters_;
};

}  // namespace dact::actors
