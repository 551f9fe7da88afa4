#include "actors/actor.h"

#include <fmt/format.h>
#include <glog/logging.h>

#include <thread>

#include "actors/runtime_messages.h"

namespace dact::actors {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

std::chrono::microseconds seconds_to_us(double seconds) {
  return std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

// While sends are in flight the loop must keep calling into MPI to advance them.
constexpr std::chrono::microseconds kMaxWaitWithSendsInFlight{20};
// Asio waits in epoll, whose timeout is whole milliseconds: a 10 us wait there would
// sleep 1 ms. Shorter waits sleep on a timer instead (and miss no socket event for long).
constexpr std::chrono::microseconds kShortestEpollWait{1000};

// Waits up to `wait` for asio work; returns whether a handler ran.
bool wait_for_work(asio::io_context& io, std::chrono::microseconds wait) {
  if (wait >= kShortestEpollWait) return io.run_one_for(wait) > 0;
  std::this_thread::sleep_for(wait);
  return io.poll() > 0;
}

}  // namespace

Actor::Actor(ActorOptions options)
    : options_(options),
      keep_io_waiting_(asio::make_work_guard(io_)),
      liveness_(options.liveness_timeout_s),
      backoff_(options.backoff) {
  rejection_handler_ = [this](PeerId peer, const ActorError& error) {
    rejection_warnings_.warn(fmt::format("refused message from peer {}: {}", peer, error.what()));
  };
  on<Heartbeat>([](const Heartbeat&, PeerId) {});
}

Actor::~Actor() {
  // Transports hold sockets on io_; destroy them first, then let cancelled handlers run.
  // Often called while an exception unwinds (a role failed): nothing here may throw, or
  // the process would abort instead of reporting that first error.
  destroying_ = true;
  transports_.clear();
  keep_io_waiting_.reset();
  for (;;) {
    try {
      io_.poll();
      return;
    } catch (const std::exception& error) {
      LOG(ERROR) << "actor shutdown: a pending handler failed (ignored): " << error.what();
    } catch (...) {
      LOG(ERROR) << "actor shutdown: a pending handler failed (ignored)";
    }
  }
}

void Actor::add_transport(std::unique_ptr<Transport> transport) {
  transports_.push_back(std::move(transport));
}

PeerId Actor::self() const {
  return transports_.empty() ? kUnknownPeer : transports_.front()->self();
}

void Actor::on_envelope(MessageTypeId type_id, std::string name, EnvelopeHandler handler,
                        SenderCheck allowed) {
  handlers_[type_id] = Handler{std::move(name), std::move(handler), std::move(allowed)};
}

Transport& Actor::route(PeerId peer) {
  for (auto& transport : transports_) {
    if (transport->reaches(peer)) return *transport;
  }
  throw TransportError(fmt::format("no transport of actor {} reaches peer {}", self(), peer));
}

void Actor::send_envelope(PeerId to, MessageTypeId type_id, uint16_t version, Bytes payload) {
  Transport& transport = route(to);
  Envelope envelope;
  envelope.header.type_id = type_id;
  envelope.header.version = version;
  envelope.header.sequence = ++next_sequence_[to];
  envelope.payload = std::move(payload);
  transport.send(to, std::move(envelope));
  ++counters_.messages_sent;
  if (liveness_.monitors(to)) last_sent_at_[to] = Clock::now();
}

void Actor::monitor(PeerId peer) {
  const auto now = Clock::now();
  liveness_.monitor(peer, now);
  last_sent_at_[peer] = SteadyTime{};  // heartbeat at the next liveness check
}

void Actor::demonitor(PeerId peer) {
  liveness_.forget(peer);
  last_sent_at_.erase(peer);
}

void Actor::on_peer_down(PeerDownHandler handler) {
  peer_down_handlers_.push_back(std::move(handler));
}

void Actor::on_link_up(LinkHandler handler) { link_up_handlers_.push_back(std::move(handler)); }

void Actor::on_link_down(LinkHandler handler) { link_down_handlers_.push_back(std::move(handler)); }

void Actor::on_rejected(RejectionHandler handler) { rejection_handler_ = std::move(handler); }

void Actor::disconnect(PeerId peer, const std::string& reason) { route(peer).disconnect(peer, reason); }

void Actor::admit(PeerId peer, uint64_t max_payload_bytes) { route(peer).admit(peer, max_payload_bytes); }

void Actor::declare_dead(PeerId peer, const std::string& reason) {
  demonitor(peer);
  ++counters_.peers_declared_dead;
  LOG(WARNING) << "peer " << peer << " declared dead: " << reason;
  for (auto& handler : peer_down_handlers_) handler(peer, reason);
}

void Actor::dispatch(Envelope& envelope) {
  const PeerId sender = envelope.header.sender;
  liveness_.heard_from(sender, Clock::now());
  uint64_t& last_sequence = last_sequence_seen_[sender];
  if (last_sequence != 0 && envelope.header.sequence != last_sequence + 1) {
    ++counters_.sequence_gaps;
    LOG(WARNING) << "peer " << sender << ": sequence " << envelope.header.sequence
                 << " follows " << last_sequence;
  }
  last_sequence = envelope.header.sequence;

  auto it = handlers_.find(envelope.header.type_id);
  try {
    if (it == handlers_.end()) throw UnknownMessageType(envelope.header.type_id, sender);
    if (it->second.allowed && !it->second.allowed(sender)) throw ForbiddenSender(it->second.name, sender);
    it->second.handle(envelope);
  } catch (const UnknownMessageType& error) {
    ++counters_.messages_rejected;
    rejection_handler_(sender, error);
    return;
  } catch (const ForbiddenSender& error) {
    ++counters_.messages_rejected;
    rejection_handler_(sender, error);
    return;
  } catch (const UnsupportedMessageVersion& error) {
    ++counters_.messages_rejected;
    rejection_handler_(sender, error);
    return;
  } catch (const DecodeError& error) {
    ++counters_.messages_rejected;
    rejection_handler_(sender, DecodeError(fmt::format("{} from peer {}: {}", it->second.name,
                                                       sender, error.what())));
    return;
  }
  ++counters_.messages_handled;
  ++handled_[sender];
}

bool Actor::poll_transports() {
  bool progressed = false;
  for (auto& transport : transports_) {
    progressed |= transport->poll(received_, link_events_);
  }
  // A link's envelopes arrive after it comes up and before it goes down, so handle ups,
  // then envelopes, then downs: a peer's last words are heard before its death.
  for (const LinkEvent& event : link_events_) {
    if (!event.up) continue;
    for (auto& handler : link_up_handlers_) handler(event.peer);
  }
  // Handlers may send, which never touches received_, so iterate it directly.
  for (Envelope& envelope : received_) dispatch(envelope);
  for (const LinkEvent& event : link_events_) {
    if (event.up) continue;
    last_sequence_seen_.erase(event.peer);
    for (auto& handler : link_down_handlers_) handler(event.peer);
    if (liveness_.monitors(event.peer)) declare_dead(event.peer, "link down: " + event.reason);
  }
  link_events_.clear();
  received_.clear();
  return progressed;
}

void Actor::check_liveness(SteadyTime now) {
  if (now < next_liveness_check_) return;
  next_liveness_check_ = now + seconds_to_us(options_.heartbeat_interval_s / 2);
  const auto interval = seconds_to_us(options_.heartbeat_interval_s);
  std::vector<PeerId> due;
  for (const auto& [peer, sent_at] : last_sent_at_) {
    if (now - sent_at >= interval) due.push_back(peer);
  }
  for (PeerId peer : due) send(peer, Heartbeat{});
  for (PeerId peer : liveness_.take_expired(now)) {
    declare_dead(peer, fmt::format("silent for more than {} s", options_.liveness_timeout_s));
  }
}

bool Actor::run_once() {
  bool progressed = poll_transports();
  progressed |= io_.poll() > 0;
  const auto now = Clock::now();
  check_liveness(now);
  if (progressed) {
    backoff_.reset();
    return true;
  }
  bool sends_in_flight = false;
  for (auto& transport : transports_) sends_in_flight |= transport->has_pending_sends();
  const auto ceiling =
      sends_in_flight ? kMaxWaitWithSendsInFlight : std::chrono::microseconds::max();
  const auto wait = backoff_.next_wait(now, ceiling);
  return wait.count() > 0 && wait_for_work(io_, wait);
}

void Actor::run() {
  while (!stop_requested_) run_once();
  const auto flush_deadline = Clock::now() + seconds_to_us(options_.flush_timeout_s);
  for (;;) {
    bool sends_in_flight = false;
    for (auto& transport : transports_) sends_in_flight |= transport->has_pending_sends();
    if (!sends_in_flight) break;
    if (Clock::now() > flush_deadline) {
      LOG(WARNING) << "actor " << self() << ": sends still in flight after "
                   << options_.flush_timeout_s << " s";
      break;
    }
    poll_transports();
    wait_for_work(io_, kMaxWaitWithSendsInFlight);
  }
}

void Actor::stop() {
  stop_requested_ = true;
  asio::post(io_, [] {});  // wakes a loop waiting in run_one_for
}

void Actor::post(std::function<void()> task) {
  asio::post(io_, [this, task = std::move(task)] {
    if (!destroying_) task();
  });
}

std::optional<double> Actor::silence_s(PeerId peer) const {
  if (!liveness_.monitors(peer)) return std::nullopt;
  return liveness_.silence_s(peer, Clock::now());
}

uint64_t Actor::sent_count(PeerId peer) const {
  auto it = next_sequence_.find(peer);
  return it == next_sequence_.end() ? 0 : it->second;
}

uint64_t Actor::handled_count(PeerId peer) const {
  auto it = handled_.find(peer);
  return it == handled_.end() ? 0 : it->second;
}

TransportCounters Actor::transport_counters() const {
  TransportCounters total;
  for (const auto& transport : transports_) {
    const TransportCounters c = transport->counters();
    total.frames_sent += c.frames_sent;
    total.frames_received += c.frames_received;
    total.frames_rejected += c.frames_rejected;
    total.frames_dropped += c.frames_dropped;
    total.connections_refused += c.connections_refused;
    total.bytes_sent += c.bytes_sent;
    total.bytes_received += c.bytes_received;
  }
  return total;
}

}  // namespace dact::actors
