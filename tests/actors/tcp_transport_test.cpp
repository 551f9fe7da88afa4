#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <atomic>
#include <optional>
#include <thread>

#include "actors/actor.h"
#include "actors/tcp_client_transport.h"
#include "actors/tcp_server_transport.h"
#include "tests/actors/actor_test_harness.h"
#include "tests/actors/raw_tcp_peer.h"
#include "tests/actors/test_messages.h"

namespace dact::actors {
namespace {

namespace asio = boost::asio;
using testing::ActorThread;
using testing::eventually;
using testing::Ping;
using testing::Pong;
using testing::link_closed_after_sending;
using testing::raw_frame;

struct Server {
  Actor actor;
  TcpServerTransport* transport;
  explicit Server(uint16_t port = 0, uint64_t max_payload_bytes = uint64_t{256} << 20) {
    TcpServerOptions options;
    options.port = port;
    options.limits.max_payload_bytes = max_payload_bytes;
    options.admission.required = false;  // plain transport tests; admission has its own tests
    auto owned = std::make_unique<TcpServerTransport>(actor.io(), kCoordinatorPeer, options);
    transport = owned.get();
    actor.add_transport(std::move(owned));
  }
};

struct Client {
  Actor actor;
  TcpClientTransport* transport;
  explicit Client(uint16_t port) {
    TcpClientOptions options;
    options.port = port;
    auto owned = std::make_unique<TcpClientTransport>(actor.io(), options);
    transport = owned.get();
    actor.add_transport(std::move(owned));
  }
};

TEST(TcpTransport, ServerNamesClientsAndMessagesFlowBothWays) {
  Server server;
  std::atomic<PeerId> client_id{kUnknownPeer};
  server.actor.on<Ping>([&](const Ping& ping, PeerId from) {
    client_id = from;
    server.actor.send(from, Pong{ping.counter * 2});
  });
  Client client(server.transport->port());
  std::atomic<uint64_t> pong{0};
  client.actor.on<Pong>([&](const Pong& p, PeerId from) {
    EXPECT_EQ(from, kCoordinatorPeer);
    pong = p.counter;
  });
  client.actor.on_link_up([&](PeerId peer) { client.actor.send(peer, Ping{21, "hi"}); });
  ActorThread server_thread(server.actor);
  ActorThread client_thread(client.actor);
  ASSERT_TRUE(eventually([&] { return pong == 42; }));
  EXPECT_TRUE(is_tcp_peer(client_id));
}

TEST(TcpTransport, LargePayloadArrivesIntact) {
  Server server;
  constexpr MessageTypeId kBlob = 1100;
  constexpr size_t kSizeBytes = 8 << 20;
  std::atomic<bool> intact{false};
  server.actor.on_envelope(kBlob, "Blob", [&](const Envelope& envelope) {
    bool ok = envelope.payload.size() == kSizeBytes;
    for (size_t i = 0; ok && i < kSizeBytes; i += 4093) ok = envelope.payload[i] == std::byte(i % 251);
    intact = ok;
  });
  Client client(server.transport->port());
  client.actor.on_link_up([&](PeerId peer) {
    client.actor.send(peer, Ping{1, "first frames are small"});
    Bytes blob(kSizeBytes);
    for (size_t i = 0; i < kSizeBytes; ++i) blob[i] = std::byte(i % 251);
    client.actor.send_envelope(peer, kBlob, 1, std::move(blob));
  });
  ActorThread server_thread(server.actor);
  ActorThread client_thread(client.actor);
  ASSERT_TRUE(eventually([&] { return intact.load(); }));
}

TEST(TcpTransport, OversizedAndMalformedFramesCloseTheLinkButNotTheServer) {
  Server server(0, /*max_payload_bytes=*/1024);
  std::atomic<int> pings{0};
  server.actor.on<Ping>([&](const Ping&, PeerId) { ++pings; });
  ActorThread server_thread(server.actor);
  const uint16_t port = server.transport->port();

  EXPECT_TRUE(link_closed_after_sending(port, raw_frame(Ping::kTypeId, 1, {}, uint64_t{1} << 40)));
  EXPECT_TRUE(link_closed_after_sending(port, std::vector<std::byte>(100, std::byte{0x5a})));
  std::vector<std::byte> corrupt_payload = raw_frame(Ping::kTypeId, 1, Bytes(8), 8);
  corrupt_payload.back() ^= std::byte{1};  // no longer matches the header's checksum
  EXPECT_TRUE(link_closed_after_sending(port, corrupt_payload));
  EXPECT_EQ(server_thread.call([&] { return server.transport->counters().frames_rejected; }), 3u);

  Client client(port);  // the server still serves well-formed peers
  client.actor.on_link_up([&](PeerId peer) { client.actor.send(peer, Ping{1, ""}); });
  ActorThread client_thread(client.actor);
  ASSERT_TRUE(eventually([&] { return pings == 1; }));
}

TEST(TcpTransport, AFirstFrameAboveTheFirstFrameLimitIsRefusedBeforeItsPayloadIsRead) {
  Server server;  // max payload 256 MiB, first frame at most 64 KiB
  ActorThread server_thread(server.actor);
  const uint16_t port = server.transport->port();
  // Claims 1 MiB and sends none of it: refused on the header alone.
  EXPECT_TRUE(link_closed_after_sending(port, raw_frame(Ping::kTypeId, 1, {}, uint64_t{1} << 20)));
  EXPECT_EQ(server_thread.call([&] { return server.transport->counters().frames_rejected; }), 1u);
}

TEST(TcpTransport, ClientRedialsAfterTheServerComesBack) {
  auto server = std::make_unique<Server>();
  const uint16_t port = server->transport->port();
  auto server_thread = std::make_unique<ActorThread>(server->actor);
  Client client(port);
  std::atomic<int> link_ups{0};
  std::atomic<int> link_downs{0};
  client.actor.on_link_up([&](PeerId) { ++link_ups; });
  client.actor.on_peer_down([&](PeerId, const std::string&) { ++link_downs; });
  client.actor.on_link_up([&](PeerId peer) { client.actor.monitor(peer); });
  ActorThread client_thread(client.actor);
  ASSERT_TRUE(eventually([&] { return link_ups == 1; }));
  server_thread.reset();
  server.reset();
  ASSERT_TRUE(eventually([&] { return link_downs == 1; }));
  server = std::make_unique<Server>(port);
  server_thread = std::make_unique<ActorThread>(server->actor);
  ASSERT_TRUE(eventually([&] { return link_ups == 2; }, 10.0));
}

// A raw client socket on 127.0.0.1:port.
struct RawSocket {
  asio::io_context io;
  asio::ip::tcp::socket socket{io};
  explicit RawSocket(uint16_t port) { socket.connect({asio::ip::make_address("127.0.0.1"), port}); }
  void send(const std::vector<std::byte>& bytes) { asio::write(socket, asio::buffer(bytes)); }
  // Whether the far side closed the link within timeout_s.
  bool closed_within(double timeout_s) {
    socket.non_blocking(true);
    return eventually([&] {
      std::array<char, 256> sink;
      boost::system::error_code error;
      socket.read_some(asio::buffer(sink), error);
      return error && error != asio::error::would_block;
    }, timeout_s);
  }
};

struct AdmittingServer {
  Actor actor;
  TcpServerTransport* transport;
  explicit AdmittingServer(size_t max_unadmitted, std::optional<MessageTypeId> first_frame_type = std::nullopt) {
    TcpServerOptions options;
    options.admission = {true, first_frame_type};
    options.max_unadmitted_connections = max_unadmitted;
    auto owned = std::make_unique<TcpServerTransport>(actor.io(), kCoordinatorPeer, options);
    transport = owned.get();
    actor.add_transport(std::move(owned));
  }
};

TEST(TcpTransport, AnUnadmittedLinkSendsOneFrameAndIsReadAgainOnlyAfterAdmit) {
  AdmittingServer server(4);
  std::atomic<int> pings{0};
  std::atomic<PeerId> sender{kUnknownPeer};
  server.actor.on<Ping>([&](const Ping&, PeerId from) {
    sender = from;
    ++pings;
  });
  ActorThread server_thread(server.actor);
  RawSocket client(server.transport->port());
  const Bytes ping = encode_payload(Ping{1, ""});
  client.send(raw_frame(Ping::kTypeId, 2, ping, ping.size()));
  client.send(raw_frame(Ping::kTypeId, 2, ping, ping.size()));
  ASSERT_TRUE(eventually([&] { return pings == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(pings, 1) << "the second frame was read before admission";
  server_thread.call([&] { server.actor.admit(sender, 1024); });
  ASSERT_TRUE(eventually([&] { return pings == 2; }));
}

TEST(TcpTransport, AFirstFrameOfAnotherTypeThanAllowedClosesTheLink) {
  AdmittingServer server(4, Pong::kTypeId);
  std::atomic<int> pings{0};
  server.actor.on<Ping>([&](const Ping&, PeerId) { ++pings; });
  ActorThread server_thread(server.actor);
  const Bytes ping = encode_payload(Ping{1, ""});
  EXPECT_TRUE(link_closed_after_sending(server.transport->port(), raw_frame(Ping::kTypeId, 2, ping, ping.size())));
  EXPECT_EQ(pings, 0);
  EXPECT_EQ(server_thread.call([&] { return server.transport->counters().frames_rejected; }), 1u);
}

TEST(TcpTransport, ConnectionsBeyondTheUnadmittedCapAreClosedAtOnce) {
  AdmittingServer server(2);
  ActorThread server_thread(server.actor);
  const uint16_t port = server.transport->port();
  RawSocket first(port), second(port);  // accepted in connection order: these two hold the slots
  RawSocket third(port);
  EXPECT_TRUE(third.closed_within(5.0));
  EXPECT_FALSE(first.closed_within(0.2));
  EXPECT_EQ(server_thread.call([&] { return server.transport->counters().connections_refused; }), 1u);
}

}  // namespace
}  // namespace dact::actors
