// Under mpirun: every rank > 0 ping-pongs with rank 0 through Actors over MpiTransport,
// with small (inline) and large (bulk, zero-copy) payloads, and checks every byte came
// back. Exits non-zero on any mismatch, so mpirun (and CTest) fail.
#include <glog/logging.h>

#include <cstdio>
#include <map>

#include "actors/actor.h"
#include "actors/mpi_session.h"
#include "actors/mpi_transport.h"

using namespace dact::actors;

namespace {

constexpr MessageTypeId kBlob = 1100;
constexpr MessageTypeId kDone = 1101;
const size_t kPayloadSizes[] = {8, 1000, 100 * 1024, 4 * 1024 * 1024};
constexpr int kRoundsPerSize = 10;

Bytes pattern(size_t size_bytes, uint64_t seed) {
  Bytes bytes(size_bytes);
  for (size_t i = 0; i < size_bytes; ++i) bytes[i] = std::byte((i * 31 + seed) & 0xff);
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  MpiSession mpi(argc, argv);
  Actor actor;
  actor.add_transport(std::make_unique<MpiTransport>());
  int failures = 0;

  if (mpi.rank() == 0) {
    int done_ranks = 0;
    actor.on_envelope(kBlob, "Blob", [&](Envelope& envelope) {
      // Echo: the received buffer itself goes back, uncopied.
      actor.send_envelope(envelope.header.sender, kBlob, 1, std::move(envelope.payload));
    });
    actor.on_envelope(kDone, "Done", [&](const Envelope&) {
      if (++done_ranks == mpi.world_size() - 1) actor.stop();
    });
  } else {
    size_t size_index = 0;
    int round = 0;
    auto send_next = [&] {
      const uint64_t seed = static_cast<uint64_t>(mpi.rank() * 1000 + round);
      actor.send_envelope(0, kBlob, 1, pattern(kPayloadSizes[size_index], seed));
    };
    actor.on_envelope(kBlob, "Blob", [&](const Envelope& envelope) {
      const uint64_t seed = static_cast<uint64_t>(mpi.rank() * 1000 + round);
      if (envelope.payload != pattern(kPayloadSizes[size_index], seed)) {
        std::fprintf(stderr, "rank %d: echo of %zu bytes, round %d differs\n", mpi.rank(),
                     kPayloadSizes[size_index], round);
        ++failures;
      }
      if (++round == kRoundsPerSize) {
        round = 0;
        ++size_index;
      }
      if (size_index == std::size(kPayloadSizes)) {
        actor.send_envelope(0, kDone, 1, {});
        actor.stop();
      } else {
        send_next();
      }
    });
    send_next();
  }
  actor.run();
  const ActorCounters counters = actor.counters();
  if (counters.messages_rejected != 0 || counters.sequence_gaps != 0) {
    std::fprintf(stderr, "rank %d: %llu rejected, %llu sequence gaps\n", mpi.rank(),
                 static_cast<unsigned long long>(counters.messages_rejected),
                 static_cast<unsigned long long>(counters.sequence_gaps));
    ++failures;
  }
  if (mpi.rank() != 0 && counters.messages_handled != std::size(kPayloadSizes) * kRoundsPerSize) {
    std::fprintf(stderr, "rank %d: handled %llu echoes\n", mpi.rank(),
                 static_cast<unsigned long long>(counters.messages_handled));
    ++failures;
  }
  std::printf("rank %d: ping-pong %s\n", mpi.rank(), failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
