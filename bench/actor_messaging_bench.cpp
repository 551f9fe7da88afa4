// Latency and bandwidth of actor messages (Actor + MpiTransport) against raw
// MPI_Send/MPI_Recv between two ranks, payloads 8 B .. 64 MiB.
//
//   mpirun -np 2 actor_messaging_bench [--quick] [--size BYTES]...
//
// Latency: half of the mean ping-pong round trip. Bandwidth: a window of 4 messages, then
// a 1-byte ack, repeated; bytes / time. Each number is the best of 10 interleaved trials.
// The actor runs with the default transport options (bulk payloads rely on MPI's
// integrity) and again with checksum_bulk_payloads, so the cost of hashing every byte with
// XXH64 is visible.
//
// Raw MPI runs twice: on plain std::vector buffers (4 KiB pages) and on the same buffers
// the actor path uses (Bytes: cached, 2 MiB pages from 2 MiB up), because on this
// machine the page size alone moves single-copy (CMA) bandwidth by 2-3x. The actor is
// compared with the faster of the two. The receiver's page faults per actor message are
// counted, since a page fault here costs as much as copying ~200 KiB.
#include <mpi.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "actors/actor.h"
#include "actors/mpi_transport.h"

using namespace dact::actors;

namespace {

constexpr MessageTypeId kPing = 1200;
constexpr MessageTypeId kData = 1201;
constexpr MessageTypeId kAck = 1202;
constexpr int kWindow = 4;
constexpr int kTrials = 10;

struct Rounds {
  int latency;
  int bandwidth;  // windows
};

Rounds rounds_for(size_t size_bytes, bool quick) {
  const size_t budget_bytes = (quick ? size_t{16} : size_t{128}) << 20;
  // Small payloads need many rounds for a trial to outlast one scheduler hiccup (and the
  // one back-off sleep an actor whose loop sat unpolled since its last trial may take).
  const size_t max_latency_rounds = quick ? 1000 : 2000;
  const size_t max_windows = quick ? 500 : 2000;
  const size_t latency = budget_bytes / 4 / size_bytes;
  const size_t windows = budget_bytes / (size_bytes * kWindow);
  return {static_cast<int>(std::clamp<size_t>(latency, 10, max_latency_rounds)),
          static_cast<int>(std::clamp<size_t>(windows, 3, max_windows))};
}

double now_s() { return MPI_Wtime(); }

long minor_page_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// ---- raw MPI --------------------------------------------------------------------------

// Ping-pongs for `duration_s` (rank 0 decides when to stop): the first seconds after
// mpirun starts are slow for reasons unrelated to either path (launcher start-up work).
void warm_up(int rank, double duration_s) {
  char keep_going = 1;
  const double start = now_s();
  for (;;) {
    if (rank == 0) {
      keep_going = now_s() - start < duration_s;
      MPI_Send(&keep_going, 1, MPI_BYTE, 1, 3, MPI_COMM_WORLD);
      if (!keep_going) return;
      MPI_Recv(&keep_going, 1, MPI_BYTE, 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(&keep_going, 1, MPI_BYTE, 0, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (!keep_going) return;
      MPI_Send(&keep_going, 1, MPI_BYTE, 0, 3, MPI_COMM_WORLD);
    }
  }
}

double raw_latency_us(int rank, std::vector<char>& buffer, size_t size_bytes, int rounds) {
  const int count = static_cast<int>(size_bytes);
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = now_s();
  for (int i = 0; i < rounds; ++i) {
    if (rank == 0) {
      MPI_Send(buffer.data(), count, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
      MPI_Recv(buffer.data(), count, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(buffer.data(), count, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buffer.data(), count, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
    }
  }
  return (now_s() - start) / rounds / 2 * 1e6;
}

template <class Buffer>
double raw_bandwidth_gbps(int rank, std::vector<Buffer>& buffers, size_t size_bytes, int windows) {
  const int count = static_cast<int>(size_bytes);
  char ack = 0;
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = now_s();
  for (int w = 0; w < windows; ++w) {
    MPI_Request requests[kWindow];
    for (int i = 0; i < kWindow; ++i) {
      if (rank == 0) {
        MPI_Isend(buffers[i].data(), count, MPI_BYTE, 1, 1, MPI_COMM_WORLD, &requests[i]);
      } else {
        MPI_Irecv(buffers[i].data(), count, MPI_BYTE, 0, 1, MPI_COMM_WORLD, &requests[i]);
      }
    }
    MPI_Waitall(kWindow, requests, MPI_STATUSES_IGNORE);
    if (rank == 0) {
      MPI_Recv(&ack, 1, MPI_BYTE, 1, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      MPI_Send(&ack, 1, MPI_BYTE, 0, 2, MPI_COMM_WORLD);
    }
  }
  const double elapsed = now_s() - start;
  return static_cast<double>(size_bytes) * kWindow * windows / elapsed / 1e9;
}

// ---- actors ---------------------------------------------------------------------------

struct ActorBench {
  Actor actor;
  int peer;
  uint64_t pongs = 0;
  uint64_t data_received = 0;
  uint64_t acks = 0;

  ActorBench(int rank, bool checksum_bulk) : peer(1 - rank) {
    MpiTransportOptions options;
    options.checksum_bulk_payloads = checksum_bulk;
    actor.add_transport(std::make_unique<MpiTransport>(MPI_COMM_WORLD, options));
    if (rank == 1) {
      // Echo: the received payload is moved straight back, no copy.
      actor.on_envelope(kPing, "Ping", [this](Envelope& envelope) {
        actor.send_envelope(peer, kPing, 1, std::move(envelope.payload));
      });
      actor.on_envelope(kData, "Data", [this](Envelope&) {
        if (++data_received % kWindow == 0) actor.send_envelope(peer, kAck, 1, {});
      });
    } else {
      actor.on_envelope(kPing, "Pong", [this](Envelope&) { ++pongs; });
      actor.on_envelope(kAck, "Ack", [this](Envelope&) { ++acks; });
    }
  }

  void run_until(const uint64_t& counter, uint64_t target) {
    while (counter < target) actor.run_once();
  }

  double latency_us(int rank, size_t size_bytes, int rounds) {
    MPI_Barrier(MPI_COMM_WORLD);
    const uint64_t pongs_before = pongs;
    const uint64_t handled_before = actor.counters().messages_handled;
    const double start = now_s();
    if (rank == 0) {
      for (int i = 0; i < rounds; ++i) {
        actor.send_envelope(peer, kPing, 1, Bytes(size_bytes));
        run_until(pongs, pongs_before + i + 1);
      }
    } else {
      while (actor.counters().messages_handled < handled_before + rounds) actor.run_once();
      while (actor.run_once()) {
      }
    }
    return (now_s() - start) / rounds / 2 * 1e6;
  }

  double bandwidth_gbps(int rank, size_t size_bytes, int windows) {
    MPI_Barrier(MPI_COMM_WORLD);
    const uint64_t acks_before = acks;
    const uint64_t data_before = data_received;
    const double start = now_s();
    if (rank == 0) {
      for (int w = 0; w < windows; ++w) {
        for (int i = 0; i < kWindow; ++i) actor.send_envelope(peer, kData, 1, Bytes(size_bytes));
        run_until(acks, acks_before + w + 1);
      }
    } else {
      run_until(data_received, data_before + static_cast<uint64_t>(windows) * kWindow);
      while (actor.run_once()) {
      }
    }
    const double elapsed = now_s() - start;
    return static_cast<double>(size_bytes) * kWindow * windows / elapsed / 1e9;
  }
};

std::string size_label(size_t size_bytes) {
  return size_bytes >= (1 << 20) ? std::to_string(size_bytes >> 20) + " MiB"
         : size_bytes >= 1024    ? std::to_string(size_bytes >> 10) + " KiB"
                                 : std::to_string(size_bytes) + " B";
}

void run(int rank, bool quick, const std::vector<size_t>& only_sizes) {
  std::vector<size_t> sizes = {8,         64,        512,        4 << 10,  32 << 10,
                               256 << 10, 1 << 20,   4 << 20,    16 << 20, 64 << 20};
  if (!only_sizes.empty()) sizes = only_sizes;
  const size_t largest = *std::max_element(sizes.begin(), sizes.end());
  ActorBench plain(rank, false);
  ActorBench checked(rank, true);
  std::vector<char> latency_buffer(largest);
  std::vector<std::vector<char>> vector_buffers(kWindow, std::vector<char>(largest, 1));

  warm_up(rank, 3.0);
  if (rank == 0) {
    std::printf("| payload | raw MPI latency (us) | actor latency (us) | overhead (us) | "
                "raw MPI GB/s, vector buffers | raw MPI GB/s, Bytes buffers | actor GB/s | "
                "actor / best raw | actor+xxh64 GB/s | actor+xxh64 / best raw | "
                "receiver page faults per actor message |\n");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  }
  for (size_t size_bytes : sizes) {
    const Rounds rounds = rounds_for(size_bytes, quick);
    std::vector<Bytes> bytes_buffers;
    for (int i = 0; i < kWindow; ++i) bytes_buffers.emplace_back(size_bytes, std::byte{1});
    // Warm-up: first touches of buffers and MPI connections.
    raw_latency_us(rank, latency_buffer, size_bytes, 2);
    plain.latency_us(rank, size_bytes, 2);
    checked.latency_us(rank, size_bytes, 2);

    // Best of several interleaved trials, so raw and actor runs see the same machine load
    // and a trial that lost its core to another process does not count.
    double raw_latency = 1e30, actor_latency = 1e30;
    double raw_vector_bw = 0, raw_bytes_bw = 0, actor_bw = 0, checked_bw = 0;
    long actor_faults = 0;
    for (int trial = 0; trial < kTrials; ++trial) {
      raw_latency = std::min(raw_latency, raw_latency_us(rank, latency_buffer, size_bytes, rounds.latency));
      actor_latency = std::min(actor_latency, plain.latency_us(rank, size_bytes, rounds.latency));
      raw_vector_bw = std::max(raw_vector_bw, raw_bandwidth_gbps(rank, vector_buffers, size_bytes, rounds.bandwidth));
      raw_bytes_bw = std::max(raw_bytes_bw, raw_bandwidth_gbps(rank, bytes_buffers, size_bytes, rounds.bandwidth));
      const long faults_before = minor_page_faults();
      actor_bw = std::max(actor_bw, plain.bandwidth_gbps(rank, size_bytes, rounds.bandwidth));
      actor_faults += minor_page_faults() - faults_before;
      checked_bw = std::max(checked_bw, checked.bandwidth_gbps(rank, size_bytes, rounds.bandwidth));
    }
    // Rank 1 receives the bandwidth windows; its faults are the ones that matter.
    if (rank == 1) MPI_Send(&actor_faults, 1, MPI_LONG, 0, 4, MPI_COMM_WORLD);
    if (rank == 0) {
      MPI_Recv(&actor_faults, 1, MPI_LONG, 1, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      const double raw_bw = std::max(raw_vector_bw, raw_bytes_bw);
      const double faults_per_message =
          static_cast<double>(actor_faults) / (kTrials * rounds.bandwidth * kWindow);
      std::printf("| %s | %.2f | %.2f | %.2f | %.4g | %.4g | %.4g | %.0f%% | %.4g | %.0f%% | %.2g |\n",
                  size_label(size_bytes).c_str(), raw_latency, actor_latency,
                  actor_latency - raw_latency, raw_vector_bw, raw_bytes_bw, actor_bw,
                  100 * actor_bw / raw_bw, checked_bw, 100 * checked_bw / raw_bw,
                  faults_per_message);
      std::fflush(stdout);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size != 2) {
    if (rank == 0) std::fprintf(stderr, "run with exactly 2 ranks\n");
    MPI_Finalize();
    return 2;
  }
  bool quick = false;
  std::vector<size_t> only_sizes;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--size" && i + 1 < argc) {
      only_sizes.push_back(std::stoull(argv[++i]));
    } else {
      if (rank == 0) std::fprintf(stderr, "unknown argument %s\n", arg.c_str());
      MPI_Finalize();
      return 2;
    }
  }
  run(rank, quick, only_sizes);  // actors end before MPI does
  MPI_Finalize();
  return 0;
}
