// One TCP connection carrying envelope frames (44-byte header, then payload) in both
// directions. Used by TcpServerTransport and TcpClientTransport; lives on their
// io_context thread. Writes are gathered (header + payload buffers), never copied.
#pragma once

#include <boost/asio.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "actors/envelope.h"
#include "actors/rate_limited_warnings.h"
#include "actors/transport.h"

namespace dact::actors {

struct TcpFrameLimits {
  uint64_t max_payload_bytes = uint64_t{256} << 20;
  // The first frame of a link (a join request, before any token was checked) is held to
  // this, so a stranger cannot make the coordinator allocate max_payload_bytes.
  uint64_t first_frame_max_payload_bytes = 64 * 1024;
};

// The listening side's hold on a new link: it may send one frame (of first_frame_type,
// when set) and is then not read again until admit(), so a peer that has not shown the
// token cannot send a second frame.
struct TcpAdmission {
  bool required = false;
  std::optional<MessageTypeId> first_frame_type;
};

class TcpFrameConnection : public std::enable_shared_from_this<TcpFrameConnection> {
 public:
  using FrameHandler = std::function<void(Envelope)>;
  // Called once, when the connection ends for any reason (EOF, error, refused frame, close()).
  using CloseHandler = std::function<void(const std::string& reason)>;

  // `counters` and `warnings` belong to the transport and outlive the connection.
  TcpFrameConnection(boost::asio::ip::tcp::socket socket, PeerId peer, TcpFrameLimits limits,
                     TransportCounters& counters, RateLimitedWarnings& warnings,
                     TcpAdmission admission = {});

  // Starts reading. Received frames are verified, stamped with `peer` as sender and handed
  // to on_frame; a frame that fails validation is logged, counted and closes the link.
  void start(FrameHandler on_frame, CloseHandler on_close);
  // Queues a frame; the payload is sealed (size, XXH64) here.
  void send(Envelope envelope);
  void close(const std::string& reason);
  // Closes once the queued frames are written (e.g. after sending a refusal).
  void close_after_writes(const std::string& reason);
  // Lifts the admission hold: frames of up to max_payload_bytes are read from now on.
  void admit(uint64_t max_payload_bytes);

  bool open() const { return open_; }
  bool admitted() const { return admitted_; }
  bool writing() const { return !write_queue_.empty(); }
  const std::string& remote() const { return remote_; }

 private:
  struct OutFrame {
    HeaderBytes header;
    Envelope envelope;
  };
  void read_header();
  void read_payload();
  void write_next();
  void fail(const std::string& reason);

  boost::asio::ip::tcp::socket socket_;
  PeerId peer_;
  TcpFrameLimits limits_;
  TcpAdmission admission_;
  TransportCounters& counters_;
  RateLimitedWarnings& warnings_;
  std::string remote_;
  bool open_ = true;
  std::string close_after_writes_reason_;  // non-empty: close when the queue drains
  FrameHandler on_frame_;
  CloseHandler on_close_;
  bool first_frame_ = true;
  bool admitted_;
  bool held_ = false;  // a frame was read and admission is awaited
  HeaderBytes read_header_bytes_{};
  Envelope incoming_;
  std::deque<OutFrame> write_queue_;
};

}  // namespace dact::actors
