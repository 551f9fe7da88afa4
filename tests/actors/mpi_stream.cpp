// Under mpirun: every rank > 0 and rank 0 stream messages at each other without waiting
// for replies, so many bulk payloads (several MiB, huge-page buffers) are in flight at
// once, interleaved with inline ones of every kind (empty, tiny, the last inline size, the
// first bulk size). Each rank checks that every stream arrives complete, in order and
// byte-exact against an independently computed pattern. Senders draw a fresh payload
// buffer for every message while earlier ones are still being sent: had the transport
// handed a buffer back to the large-buffer cache before MPI finished reading it, a later
// message would overwrite it in flight and the check would fail. Rank 2 runs with a small
// cache limit, so buffers are evicted and freed while others are in flight too.
#include <glog/logging.h>

#include <cstdio>
#include <cstring>
#include <map>

#include "actors/actor.h"
#include "actors/envelope.h"
#include "actors/large_buffer_cache.h"
#include "actors/mpi_session.h"
#include "actors/mpi_transport.h"

using namespace dact::actors;

namespace {

constexpr MessageTypeId kChunk = 1110;
constexpr MessageTypeId kDone = 1111;
constexpr int kMessagesPerStream = 48;

size_t payload_size(int index) {
  const size_t inline_limit = MpiTransportOptions{}.inline_limit_bytes;
  const size_t sizes[] = {
      3 * (size_t{1} << 20) + 5,                    // bulk, huge-page buffer
      8,                                            // inline
      inline_limit - kEnvelopeHeaderBytes,          // the largest inline payload
      inline_limit - kEnvelopeHeaderBytes + 1,      // the smallest bulk payload
      0,                                            // header only
      (size_t{1} << 20) + 3,                        // bulk, cached, 4 KiB pages
      1000,                                         // inline
      100 * 1024,                                   // bulk, cached, from the heap
      2 * (size_t{1} << 20),                        // bulk, exactly one huge page
  };
  return sizes[index % std::size(sizes)];
}

// Byte i of message `index` from `sender`: a function of all three, so a payload that
// landed in another message's buffer, or a shifted one, does not pass.
std::byte expected_byte(int sender, int index, size_t i) {
  return std::byte(((i * 131) ^ (static_cast<size_t>(index) * 7919) ^ static_cast<size_t>(sender)) & 0xff);
}

Bytes make_payload(int sender, int index) {
  Bytes bytes(payload_size(index));
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = expected_byte(sender, index, i);
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  MpiSession mpi(argc, argv);
  if (mpi.rank() == 2) set_large_buffer_cache_limit_bytes(size_t{8} << 20);
  Actor actor;
  actor.add_transport(std::make_unique<MpiTransport>());
  int failures = 0;
  std::map<int, int> next_index;  // per sender
  int streams_done = 0;
  const int streams_expected = mpi.rank() == 0 ? mpi.world_size() - 1 : 1;
  int done_received = 0;

  actor.on_envelope(kChunk, "Chunk", [&](const Envelope& envelope) {
    const int sender = envelope.header.sender;
    const int index = next_index[sender]++;
    const size_t size = payload_size(index);
    bool same = envelope.payload.size() == size;
    for (size_t i = 0; same && i < size; ++i) same = envelope.payload[i] == expected_byte(sender, index, i);
    if (!same) {
      std::fprintf(stderr, "rank %d: message %d from rank %d (%zu bytes expected, %zu came) differs\n",
                   mpi.rank(), index, sender, size, envelope.payload.size());
      ++failures;
    }
    if (next_index[sender] == kMessagesPerStream) ++streams_done;
  });
  actor.on_envelope(kDone, "Done", [&](const Envelope&) { ++done_received; });

  const std::vector<int> peers = [&] {
    std::vector<int> p;
    if (mpi.rank() == 0) {
      for (int r = 1; r < mpi.world_size(); ++r) p.push_back(r);
    } else {
      p.push_back(0);
    }
    return p;
  }();
  // Everything is queued before the loop runs once: the whole stream is in flight.
  for (int index = 0; index < kMessagesPerStream; ++index) {
    for (int peer : peers) actor.send_envelope(peer, kChunk, 1, make_payload(mpi.rank(), index));
  }
  bool told_done = false;
  // A rank stops once it has every stream and every peer has said it has ours.
  while (!(told_done && done_received == static_cast<int>(peers.size()))) {
    actor.run_once();
    if (!told_done && streams_done == streams_expected) {
      for (int peer : peers) actor.send_envelope(peer, kDone, 1, {});
      told_done = true;
    }
  }
  actor.stop();
  actor.run();  // flushes the last sends

  const ActorCounters counters = actor.counters();
  if (counters.messages_rejected != 0 || counters.sequence_gaps != 0) {
    std::fprintf(stderr, "rank %d: %llu rejected, %llu sequence gaps\n", mpi.rank(),
                 static_cast<unsigned long long>(counters.messages_rejected),
                 static_cast<unsigned long long>(counters.sequence_gaps));
    ++failures;
  }
  std::printf("rank %d: streams %s\n", mpi.rank(), failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
