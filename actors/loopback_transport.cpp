#include "actors/loopback_transport.h"

#include <fmt/format.h>
#include <glog/logging.h>

#include "actors/actor_errors.h"

namespace dact::actors {

void LoopbackNetwork::attach(PeerId peer) {
  std::lock_guard<std::mutex> lock(mutex_);
  mailboxes_[peer].open = true;
}

void LoopbackNetwork::crash(PeerId peer) {
  std::lock_guard<std::mutex> lock(mutex_);
  mailboxes_[peer].open = false;
  mailboxes_[peer].envelopes.clear();
  for (auto& [other, mailbox] : mailboxes_) {
    if (other != peer && mailbox.open) {
      mailbox.events.push_back({peer, false, "loopback peer crashed"});
    }
  }
}

bool LoopbackNetwork::deliver(PeerId to, Envelope envelope) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = mailboxes_.find(to);
  if (it == mailboxes_.end() || !it->second.open) return false;
  it->second.envelopes.push_back(std::move(envelope));
  return true;
}

bool LoopbackNetwork::take(PeerId peer, std::vector<Envelope>& received,
                           std::vector<LinkEvent>& events) {
  std::lock_guard<std::mutex> lock(mutex_);
  Mailbox& mailbox = mailboxes_[peer];
  const bool any = !mailbox.envelopes.empty() || !mailbox.events.empty();
  for (Envelope& envelope : mailbox.envelopes) received.push_back(std::move(envelope));
  for (LinkEvent& event : mailbox.events) events.push_back(std::move(event));
  mailbox.envelopes.clear();
  mailbox.events.clear();
  return any;
}

LoopbackTransport::LoopbackTransport(std::shared_ptr<LoopbackNetwork> network, PeerId self)
    : network_(std::move(network)), self_(self) {
  network_->attach(self_);
}

void LoopbackTransport::send(PeerId to, Envelope envelope) {
  seal_payload(envelope);
  envelope.header.sender = self_;
  const size_t size_bytes = kEnvelopeHeaderBytes + envelope.payload.size();
  if (network_->deliver(to, std::move(envelope))) {
    ++counters_.frames_sent;
    counters_.bytes_sent += size_bytes;
  } else {
    ++counters_.frames_dropped;
  }
}

bool LoopbackTransport::poll(std::vector<Envelope>& received, std::vector<LinkEvent>& events) {
  const size_t first_new = received.size();
  const bool any = network_->take(self_, received, events);
  // Verify like a real receiver would; a corrupted envelope is dropped, not delivered.
  size_t kept = first_new;
  for (size_t i = first_new; i < received.size(); ++i) {
    const std::string origin = fmt::format("loopback peer {}", received[i].header.sender);
    try {
      verify_payload(received[i], origin.c_str());
    } catch (const FrameError& error) {
      LOG(WARNING) << "refused frame: " << error.what();
      ++counters_.frames_rejected;
      continue;
    }
    ++counters_.frames_received;
    counters_.bytes_received += kEnvelopeHeaderBytes + received[i].payload.size();
    if (kept != i) received[kept] = std::move(received[i]);
    ++kept;
  }
  received.resize(kept);
  return any;
}

}  // namespace dact::actors
