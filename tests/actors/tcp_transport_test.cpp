#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <atomic>

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

}  // namespace
}  // namespace dact::actors
