#include "actors/tcp_frame_connection.h"

#include <fmt/format.h>
#include <glog/logging.h>

#include <algorithm>

#include "actors/actor_errors.h"

namespace dact::actors {

namespace asio = boost::asio;

TcpFrameConnection::TcpFrameConnection(asio::ip::tcp::socket socket, PeerId peer,
                                       TcpFrameLimits limits, TransportCounters& counters,
                                       RateLimitedWarnings& warnings, TcpAdmission admission)
    : socket_(std::move(socket)),
      peer_(peer),
      limits_(limits),
      admission_(admission),
      counters_(counters),
      warnings_(warnings),
      admitted_(!admission.required) {
  boost::system::error_code ignored;
  const auto endpoint = socket_.remote_endpoint(ignored);
  remote_ = fmt::format("peer {} ({}:{})", peer_, endpoint.address().to_string(), endpoint.port());
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
}

void TcpFrameConnection::start(FrameHandler on_frame, CloseHandler on_close) {
  on_frame_ = std::move(on_frame);
  on_close_ = std::move(on_close);
  read_header();
}

void TcpFrameConnection::read_header() {
  auto self = shared_from_this();
  asio::async_read(socket_, asio::buffer(read_header_bytes_),
                   [this, self](const boost::system::error_code& error, size_t) {
                     if (!open_) return;
                     if (error) {
                       fail(error == asio::error::eof ? "connection closed by peer"
                                                      : error.message());
                       return;
                     }
                     try {
                       incoming_ = Envelope{};
                       const uint64_t max_payload_bytes =
                           first_frame_ ? std::min(limits_.first_frame_max_payload_bytes, limits_.max_payload_bytes)
                                        : limits_.max_payload_bytes;
                       incoming_.header = decode_header(read_header_bytes_.data(),
                                                        read_header_bytes_.size(),
                                                        max_payload_bytes, remote_.c_str());
                       if (first_frame_ && admission_.first_frame_type &&
                           incoming_.header.type_id != *admission_.first_frame_type) {
                         throw FrameError(FrameFault::kNotAdmitted,
                                          fmt::format("{}: opened with message type {}, expected {}", remote_,
                                                      incoming_.header.type_id, *admission_.first_frame_type));
                       }
                     } catch (const FrameError& frame_error) {
                       ++counters_.frames_rejected;
                       warnings_.warn(fmt::format("refused frame: {}", frame_error.what()));
                       fail(frame_error.what());
                       return;
                     }
                     read_payload();
                   });
}

void TcpFrameConnection::read_payload() {
  auto self = shared_from_this();
  incoming_.payload.resize(incoming_.header.payload_size_bytes);
  asio::async_read(socket_, asio::buffer(incoming_.payload.data(), incoming_.payload.size()),
                   [this, self](const boost::system::error_code& error, size_t) {
                     if (!open_) return;
                     if (error) {
                       fail(fmt::format("mid-frame: {}", error.message()));
                       return;
                     }
                     try {
                       verify_payload(incoming_, remote_.c_str());
                     } catch (const FrameError& frame_error) {
                       ++counters_.frames_rejected;
                       warnings_.warn(fmt::format("refused frame: {}", frame_error.what()));
                       fail(frame_error.what());
                       return;
                     }
                     ++counters_.frames_received;
                     counters_.bytes_received += kEnvelopeHeaderBytes + incoming_.payload.size();
                     incoming_.header.sender = peer_;
                     first_frame_ = false;
                     on_frame_(std::move(incoming_));
                     if (!open_) return;
                     if (admitted_) {
                       read_header();
                     } else {
                       held_ = true;
                     }
                   });
}

void TcpFrameConnection::send(Envelope envelope) {
  if (!open_) {
    ++counters_.frames_dropped;
    return;
  }
  seal_payload(envelope);
  OutFrame frame;
  frame.header = encode_header(envelope.header);
  frame.envelope = std::move(envelope);
  write_queue_.push_back(std::move(frame));
  if (write_queue_.size() == 1) write_next();
}

void TcpFrameConnection::write_next() {
  auto self = shared_from_this();
  OutFrame& frame = write_queue_.front();
  const std::array<asio::const_buffer, 2> buffers = {
      asio::buffer(frame.header),
      asio::buffer(frame.envelope.payload.data(), frame.envelope.payload.size())};
  asio::async_write(socket_, buffers, [this, self](const boost::system::error_code& error, size_t) {
    if (!open_) return;
    if (error) {
      fail(fmt::format("write failed: {}", error.message()));
      return;
    }
    ++counters_.frames_sent;
    counters_.bytes_sent += kEnvelopeHeaderBytes + write_queue_.front().envelope.payload.size();
    write_queue_.pop_front();
    if (!write_queue_.empty()) {
      write_next();
    } else if (!close_after_writes_reason_.empty()) {
      fail(close_after_writes_reason_);
    }
  });
}

void TcpFrameConnection::admit(uint64_t max_payload_bytes) {
  limits_.max_payload_bytes = max_payload_bytes;
  admitted_ = true;
  if (held_ && open_) {
    held_ = false;
    read_header();
  }
}

void TcpFrameConnection::close(const std::string& reason) { fail(reason); }

void TcpFrameConnection::close_after_writes(const std::string& reason) {
  if (write_queue_.empty()) {
    fail(reason);
  } else {
    close_after_writes_reason_ = reason;
  }
}

void TcpFrameConnection::fail(const std::string& reason) {
  if (!open_) return;
  open_ = false;
  counters_.frames_dropped += write_queue_.size();
  write_queue_.clear();
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (on_close_) on_close_(reason);
}

}  // namespace dact::actors
