// Point-to-point messages between the ranks that mpirun started.
//
// Small frames (header + payload <= inline_limit_bytes) travel as one MPI message built by
// one copy. Larger payloads go as a header message followed by the payload sent straight
// from, and received straight into, the envelope's own buffer: no extra copies. MPI's
// non-overtaking rule between a pair of ranks keeps each payload paired with its header.
#pragma once

#include <mpi.h>

#include <deque>
#include <memory>

#include "actors/transport.h"

namespace dact::actors {

struct MpiTransportOptions {
  // Open MPI's shared-memory eager limit (btl_vader_eager_limit): a frame up to this size
  // goes out in one eager message, and the copy into it costs less than a second message.
  // Above it MPI hands over by rendezvous anyway, and the bulk path's uncopied,
  // unhashed payload is faster (32 KiB: 46 % -> 85 % of raw MPI, bench/results).
  size_t inline_limit_bytes = 4 * 1024;
  uint64_t max_payload_bytes = uint64_t{4} << 30;
  // Inline frames are always checksummed. Bulk payloads rely on MPI's reliable delivery
  // unless this is set: hashing 64 MiB costs as much as moving it (bench/results).
  bool checksum_bulk_payloads = false;
  // Frames taken per poll(), so a flood from one peer cannot starve the run loop.
  int max_receives_per_poll = 64;
};

// Uses a private duplicate of `world` so its tags never meet other MPI traffic. Requires
// an initialised MPI (MpiSession). Not thread-safe (see Transport).
class MpiTransport : public Transport {
 public:
  explicit MpiTransport(MPI_Comm world = MPI_COMM_WORLD, MpiTransportOptions options = {});
  ~MpiTransport() override;

  PeerId self() const override { return rank_; }
  int world_size() const { return world_size_; }
  bool reaches(PeerId peer) const override { return peer >= 0 && peer < world_size_; }
  void send(PeerId to, Envelope envelope) override;
  bool poll(std::vector<Envelope>& received, std::vector<LinkEvent>& events) override;
  bool has_pending_sends() const override { return !in_flight_.empty(); }
  void disconnect(PeerId, const std::string&) override {}
  TransportCounters counters() const override { return counters_; }

 private:
  struct InFlightSend {
    Envelope envelope;     // owns the bulk payload until MPI is done with it
    HeaderBytes header;    // for bulk sends
    Bytes inline_frame;    // for inline sends
    MPI_Request requests[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  };
  bool complete_sends();
  bool receive_one(std::vector<Envelope>& received);

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int world_size_ = 1;
  MpiTransportOptions options_;
  std::deque<std::unique_ptr<InFlightSend>> in_flight_;
  TransportCounters counters_;
};

}  // namespace dact::actors
