// An actor: a mailbox, one handler per message type, and one run loop that drives the
// transports (MPI progress, TCP sockets) and a Boost.Asio io_context (timers, sockets).
//
// Threading: everything except stop(), post() and io() runs on the thread that calls run()
// (handlers included), so handlers need no locks. The loop never busy-spins for long: after
// a short spin window it waits on the io_context with a doubling timeout (IdleBackoff).
//
// Liveness: monitor(peer) makes the actor send Heartbeats to the peer whenever it has sent
// nothing else for heartbeat_interval_s, and declare the peer dead, telling every
// on_peer_down handler once, when it is silent for longer than liveness_timeout_s or its
// link drops (like CAF's monitors).
//
// Authority: a handler registered with a SenderCheck only ever sees messages from senders
// the check accepts; others are dropped before decoding and reported to on_rejected as
// ForbiddenSender. The destructor never throws: tasks posted but not yet run when the
// actor is destroyed are dropped, since their transports are gone.
#pragma once

#include <boost/asio.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/idle_backoff.h"
#include "actors/liveness_tracker.h"
#include "actors/message.h"
#include "actors/rate_limited_warnings.h"
#include "actors/sender_check.h"
#include "actors/transport.h"

namespace dact::actors {

struct ActorOptions {
  double heartbeat_interval_s = 0.5;
  double liveness_timeout_s = 5.0;
  // How long run() keeps polling after stop() so queued sends leave the process.
  double flush_timeout_s = 10.0;
  IdleBackoffOptions backoff;
};

struct ActorCounters {
  uint64_t messages_sent = 0;
  uint64_t messages_handled = 0;
  uint64_t messages_rejected = 0;  // unknown type, unsupported version, undecodable payload
  uint64_t sequence_gaps = 0;      // a peer's sequence number skipped ahead
  uint64_t peers_declared_dead = 0;
};

class Actor {
 public:
  // A raw handler may move the payload out of the envelope (e.g. to forward it uncopied).
  using EnvelopeHandler = std::function<void(Envelope&)>;
  using PeerDownHandler = std::function<void(PeerId peer, const std::string& reason)>;
  using LinkHandler = std::function<void(PeerId peer)>;
  // Told about every refused message; the default logs a warning.
  using RejectionHandler = std::function<void(PeerId peer, const ActorError& error)>;

  explicit Actor(ActorOptions options = {});
  ~Actor();
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;

  // The io_context the loop drives; TCP transports and timers are created on it.
  boost::asio::io_context& io() { return io_; }

  // Adds a transport; a send goes to the first transport that reaches() the peer.
  void add_transport(std::unique_ptr<Transport> transport);
  // The first transport's identity (the MPI rank for MPI members).
  PeerId self() const;

  template <class M>
  void on(std::function<void(const M& message, PeerId from)> handler) {
    on<M>(SenderCheck{}, std::move(handler));
  }
  // Only messages from senders `allowed` accepts reach `handler` (see Authority above).
  template <class M>
  void on(SenderCheck allowed, std::function<void(const M& message, PeerId from)> handler) {
    on_envelope(M::kTypeId, M::kName, [handler = std::move(handler)](const Envelope& envelope) {
      handler(decode_payload<M>(envelope), envelope.header.sender);
    }, std::move(allowed));
  }
  // A handler for raw payload bytes (bulk data that should not be decoded into a copy).
  // Replaces any handler of the same type id. An empty `allowed` accepts every sender.
  void on_envelope(MessageTypeId type_id, std::string name, EnvelopeHandler handler,
                   SenderCheck allowed = {});

  template <class M>
  void send(PeerId to, const M& message) {
    send_envelope(to, M::kTypeId, M::kVersion, encode_payload(message));
  }
  // Moves `payload` into the transport without copying it.
  void send_envelope(PeerId to, MessageTypeId type_id, uint16_t version, Bytes payload);

  void monitor(PeerId peer);
  void demonitor(PeerId peer);
  void on_peer_down(PeerDownHandler handler);
  // Every link change, monitored peer or not (a down link of a monitored peer also
  // reaches on_peer_down).
  void on_link_up(LinkHandler handler);
  void on_link_down(LinkHandler handler);
  void on_rejected(RejectionHandler handler);
  // Closes the link to `peer` where links can close (TCP); see Transport::disconnect.
  void disconnect(PeerId peer, const std::string& reason);
  // Lets `peer`'s link carry frames of up to max_payload_bytes; see Transport::admit.
  void admit(PeerId peer, uint64_t max_payload_bytes);

  // Runs until stop(), then flushes in-flight sends (up to flush_timeout_s). Exceptions
  // thrown by handlers propagate out of run().
  void run();
  // One pass: poll, dispatch, liveness, then wait at most what the back-off allows.
  // Returns whether anything happened.
  bool run_once();
  // Thread-safe; run() returns after the current pass.
  void stop();
  bool stopping() const { return stop_requested_; }
  // Thread-safe: runs `task` on the loop thread (unless the actor is destroyed first).
  void post(std::function<void()> task);

  // Seconds since a monitored peer was last heard from; nullopt if it is not monitored.
  std::optional<double> silence_s(PeerId peer) const;
  // Messages sent to / handled from one peer (heartbeats included).
  uint64_t sent_count(PeerId peer) const;
  uint64_t handled_count(PeerId peer) const;
  ActorCounters counters() const { return counters_; }
  TransportCounters transport_counters() const;  // summed over transports
  const ActorOptions& options() const { return options_; }

 private:
  struct Handler {
    std::string name;
    EnvelopeHandler handle;
    SenderCheck allowed;  // empty: any sender
  };
  Transport& route(PeerId peer);
  bool poll_transports();
  void dispatch(Envelope& envelope);
  void check_liveness(SteadyTime now);
  void declare_dead(PeerId peer, const std::string& reason);

  ActorOptions options_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_io_waiting_;
  std::vector<std::unique_ptr<Transport>> transports_;
  std::unordered_map<MessageTypeId, Handler> handlers_;
  std::vector<PeerDownHandler> peer_down_handlers_;
  std::vector<LinkHandler> link_up_handlers_;
  std::vector<LinkHandler> link_down_handlers_;
  RejectionHandler rejection_handler_;
  RateLimitedWarnings rejection_warnings_;
  bool destroying_ = false;  // posted tasks still queued when the destructor runs are dropped
  LivenessTracker liveness_;
  IdleBackoff backoff_;
  SteadyTime next_liveness_check_{};
  std::map<PeerId, uint64_t> next_sequence_;     // per destination
  std::map<PeerId, SteadyTime> last_sent_at_;    // per monitored destination
  std::map<PeerId, uint64_t> last_sequence_seen_;
  std::map<PeerId, uint64_t> handled_;
  std::atomic<bool> stop_requested_{false};
  ActorCounters counters_;
  std::vector<Envelope> received_;
  std::vector<LinkEvent> link_events_;
};

}  // namespace dact::actors
