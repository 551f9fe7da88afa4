#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <sys/socket.h>

#include <atomic>

#include "actors/actor.h"
#include "actors/tcp_client_transport.h"
#include "actors/tcp_server_transport.h"
#include "tests/actors/actor_test_harness.h"
#include "tests/actors/test_messages.h"

namespace dact::actors {
namespace {

namespace asio = boost::asio;
using testing::ActorThread;
using testing::eventually;
using testing::Ping;
using testing::Pong;

struct Server {
  Actor actor;
  TcpServerTransport* transport;
  explicit Server(uint16_t port = 0, uint64_t max_payload_bytes = uint64_t{256} << 20) {
    TcpServerOptions options;
    options.port = port;
    options.limits.max_payload_bytes = max_payload_bytes;
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
    Bytes blob(kSizeBytes);
    for (size_t i = 0; i < kSizeBytes; ++i) blob[i] = std::byte(i % 251);
    client.actor.send_envelope(peer, kBlob, 1, std::move(blob));
  });
  ActorThread server_thread(server.actor);
  ActorThread client_thread(client.actor);
  ASSERT_TRUE(eventually([&] { return intact.load(); }));
}

// Writes raw bytes to the server and reports whether the server then closed the link.
bool server_closes_after(uint16_t port, const std::vector<std::byte>& bytes) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  // A server that wrongly keeps the link open fails the test after 5 s instead of hanging.
  timeval timeout{5, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  asio::write(socket, asio::buffer(bytes));
  std::array<char, 64> sink;
  boost::system::error_code error;
  socket.read_some(asio::buffer(sink), error);  // blocks until the server closes
  return error == asio::error::eof || error == asio::error::connection_reset;
}

std::vector<std::byte> header_claiming(uint64_t payload_bytes) {
  EnvelopeHeader header;
  header.type_id = Ping::kTypeId;
  header.version = Ping::kVersion;
  header.payload_size_bytes = payload_bytes;
  header.flags = kPayloadChecksummed;
  header.payload_checksum = 0;  // wrong for any payload we send
  const HeaderBytes bytes = encode_header(header);
  return {bytes.begin(), bytes.end()};
}

TEST(TcpTransport, OversizedAndMalformedFramesCloseTheLinkButNotTheServer) {
  Server server(0, /*max_payload_bytes=*/1024);
  std::atomic<int> pings{0};
  server.actor.on<Ping>([&](const Ping&, PeerId) { ++pings; });
  ActorThread server_thread(server.actor);
  const uint16_t port = server.transport->port();

  EXPECT_TRUE(server_closes_after(port, header_claiming(uint64_t{1} << 40)));
  std::vector<std::byte> garbage(100, std::byte{0x5a});
  EXPECT_TRUE(server_closes_after(port, garbage));
  std::vector<std::byte> corrupt_payload = header_claiming(8);
  corrupt_payload.resize(corrupt_payload.size() + 8, std::byte{1});
  EXPECT_TRUE(server_closes_after(port, corrupt_payload));
  EXPECT_EQ(server_thread.call([&] { return server.transport->counters().frames_rejected; }), 3u);

  Client client(port);  // the server still serves well-formed peers
  client.actor.on_link_up([&](PeerId peer) { client.actor.send(peer, Ping{1, ""}); });
  ActorThread client_thread(client.actor);
  ASSERT_TRUE(eventually([&] { return pings == 1; }));
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

}  // namespace
}  // namespace dact::actors
