#include "actors/mpi_transport.h"

#include <fmt/format.h>
#include <glog/logging.h>

#include <cstring>
#include <limits>

#include "actors/actor_errors.h"

namespace dact::actors {
namespace {

constexpr int kFrameTag = 1;
constexpr int kBulkPayloadTag = 2;

void check_mpi(int code, const char* what, int peer) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw TransportError(fmt::format("{} with rank {}: {}", what, peer, std::string(text, length)));
}

// MPI counts are int; bulk payloads above 2 GiB travel as whole-MiB-block datatypes.
struct MpiCount {
  MPI_Datatype type;
  int count;
};

MPI_Datatype mebibyte_type() {
  static MPI_Datatype type = [] {
    MPI_Datatype t;
    MPI_Type_contiguous(1 << 20, MPI_BYTE, &t);
    MPI_Type_commit(&t);
    return t;
  }();
  return type;
}

MpiCount bulk_count(size_t size_bytes, int peer) {
  if (size_bytes <= static_cast<size_t>(std::numeric_limits<int>::max())) {
    return {MPI_BYTE, static_cast<int>(size_bytes)};
  }
  if (size_bytes % (1 << 20) != 0) {
    throw TransportError(fmt::format("payload of {} bytes for rank {}: above 2 GiB payloads must "
                                     "be whole MiB", size_bytes, peer));
  }
  return {mebibyte_type(), static_cast<int>(size_bytes >> 20)};
}

}  // namespace

MpiTransport::MpiTransport(MPI_Comm world, MpiTransportOptions options) : options_(options) {
  check_mpi(MPI_Comm_dup(world, &comm_), "MPI_Comm_dup", -1);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &world_size_);
}

MpiTransport::~MpiTransport() {
  // Sends still in flight here were never completed by the run loop; cancelling is not
  // portable, so wait for them rather than free buffers MPI may still read.
  for (auto& send : in_flight_) MPI_Waitall(2, send->requests, MPI_STATUSES_IGNORE);
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

void MpiTransport::send(PeerId to, Envelope envelope) {
  if (!reaches(to)) {
    throw TransportError(fmt::format("rank {} is outside the MPI world of {}", to, world_size_));
  }
  envelope.header.sender = rank_;
  auto send = std::make_unique<InFlightSend>();
  const size_t payload_bytes = envelope.payload.size();
  if (kEnvelopeHeaderBytes + payload_bytes <= options_.inline_limit_bytes) {
    seal_payload(envelope);
    const HeaderBytes header = encode_header(envelope.header);
    send->inline_frame.resize(kEnvelopeHeaderBytes + payload_bytes);
    std::memcpy(send->inline_frame.data(), header.data(), kEnvelopeHeaderBytes);
    if (payload_bytes > 0) {
      std::memcpy(send->inline_frame.data() + kEnvelopeHeaderBytes, envelope.payload.data(),
                  payload_bytes);
    }
    check_mpi(MPI_Isend(send->inline_frame.data(), static_cast<int>(send->inline_frame.size()),
                        MPI_BYTE, to, kFrameTag, comm_, &send->requests[0]),
              "MPI_Isend", to);
  } else {
    if (options_.checksum_bulk_payloads) {
      seal_payload(envelope);
    } else {
      seal_payload_unchecked(envelope);
    }
    send->envelope = std::move(envelope);
    send->header = encode_header(send->envelope.header);
    const MpiCount count = bulk_count(payload_bytes, to);
    check_mpi(MPI_Isend(send->header.data(), kEnvelopeHeaderBytes, MPI_BYTE, to, kFrameTag, comm_,
                        &send->requests[0]),
              "MPI_Isend", to);
    check_mpi(MPI_Isend(send->envelope.payload.data(), count.count, count.type, to,
                        kBulkPayloadTag, comm_, &send->requests[1]),
              "MPI_Isend", to);
  }
  ++counters_.frames_sent;
  counters_.bytes_sent += kEnvelopeHeaderBytes + payload_bytes;
  in_flight_.push_back(std::move(send));
}

bool MpiTransport::complete_sends() {
  bool progressed = false;
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    int done = 0;
    check_mpi(MPI_Testall(2, (*it)->requests, &done, MPI_STATUSES_IGNORE), "MPI_Testall", -1);
    if (done) {
      it = in_flight_.erase(it);
      progressed = true;
    } else {
      ++it;
    }
  }
  return progressed;
}

bool MpiTransport::receive_one(std::vector<Envelope>& received) {
  int found = 0;
  MPI_Message message;
  MPI_Status status;
  check_mpi(MPI_Improbe(MPI_ANY_SOURCE, kFrameTag, comm_, &found, &message, &status),
            "MPI_Improbe", -1);
  if (!found) return false;
  const int source = status.MPI_SOURCE;
  int frame_bytes = 0;
  MPI_Get_count(&status, MPI_BYTE, &frame_bytes);
  Bytes frame(static_cast<size_t>(frame_bytes));
  check_mpi(MPI_Mrecv(frame.data(), frame_bytes, MPI_BYTE, &message, MPI_STATUS_IGNORE),
            "MPI_Mrecv", source);

  const std::string origin = fmt::format("rank {}", source);
  Envelope envelope;
  try {
    envelope.header = decode_header(frame.data(), frame.size(), options_.max_payload_bytes,
                                    origin.c_str());
  } catch (const FrameError& error) {
    // Without a trustworthy header we cannot know whether a bulk payload follows; MPI
    // ranks run our own binary, so this is a bug worth stopping for.
    throw TransportError(fmt::format("unreadable frame header from rank {}: {}", source,
                                     error.what()));
  }
  envelope.header.sender = source;
  const size_t payload_bytes = envelope.header.payload_size_bytes;
  // A header-only frame announcing payload bytes is a bulk send; anything else is inline
  // (and a length disagreement is caught by verify_payload below).
  const bool is_bulk = static_cast<size_t>(frame_bytes) == kEnvelopeHeaderBytes &&
                       payload_bytes > 0;
  if (is_bulk) {
    envelope.payload.resize(payload_bytes);
    const MpiCount count = bulk_count(payload_bytes, source);
    check_mpi(MPI_Recv(envelope.payload.data(), count.count, count.type, source, kBulkPayloadTag,
                       comm_, MPI_STATUS_IGNORE),
              "MPI_Recv", source);
  } else {
    envelope.payload.assign(frame.begin() + kEnvelopeHeaderBytes, frame.end());
  }
  counters_.bytes_received += kEnvelopeHeaderBytes + payload_bytes;
  try {
    verify_payload(envelope, origin.c_str());
  } catch (const FrameError& error) {
    LOG(WARNING) << "refused frame: " << error.what();
    ++counters_.frames_rejected;
    return true;
  }
  ++counters_.frames_received;
  received.push_back(std::move(envelope));
  return true;
}

bool MpiTransport::poll(std::vector<Envelope>& received, std::vector<LinkEvent>&) {
  bool progressed = complete_sends();
  for (int i = 0; i < options_.max_receives_per_poll; ++i) {
    if (!receive_one(received)) break;
    progressed = true;
  }
  return progressed;
}

}  // namespace dact::actors
