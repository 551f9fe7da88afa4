// In-process coordinator harness: the coordinator and its "MPI" members are actors on
// threads joined by a loopback network (member ids = ranks); TCP members use real sockets
// on 127.0.0.1.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "actors/loopback_transport.h"
#include "actors/tcp_client_transport.h"
#include "actors/tcp_server_transport.h"
#include "coordinator/coordinator.h"
#include "coordinator/member_session.h"
#include "tests/actors/actor_test_harness.h"

namespace dact::coordinator::testing {

using actors::Actor;
using actors::ActorOptions;
using actors::testing::ActorThread;
using actors::testing::eventually;

constexpr uint64_t kConfigHash = 0x1234abcd;
constexpr const char* kToken = "the-run-token";

inline ActorOptions fast_liveness() {
  ActorOptions options;
  // Deaths in these tests come from closed links (immediate); the timeout only has to
  // survive a loaded CI machine.
  options.heartbeat_interval_s = 0.05;
  options.liveness_timeout_s = 2.0;
  return options;
}

inline uint16_t free_tcp_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

inline nlohmann::json http_get_json(uint16_t port, const std::string& target = "/status") {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::empty_body> request(http::verb::get, target, 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  EXPECT_EQ(response.result(), http::status::ok);
  return nlohmann::json::parse(response.body());
}

// A member over loopback (an "MPI rank") or over TCP, running on its own thread.
struct TestMember {
  Actor actor;
  std::unique_ptr<MemberSession> session;
  std::unique_ptr<ActorThread> thread;

  TestMember(ActorOptions options) : actor(options) {}
  void start() {
    session->start();
    thread = std::make_unique<ActorThread>(actor);
  }
};

class CoordinatorFixture : public ::testing::Test {
 protected:
  void start_coordinator(const RoleMap& roles, CoordinatorOptions options = {},
                         CoordinatorObserver* observer = nullptr) {
    coordinator_actor = std::make_unique<Actor>(fast_liveness());
    coordinator_actor->add_transport(
        std::make_unique<actors::LoopbackTransport>(network, actors::kCoordinatorPeer));
    auto tcp = std::make_unique<actors::TcpServerTransport>(
        coordinator_actor->io(), actors::kCoordinatorPeer, membership_listener_options("127.0.0.1", 0));
    tcp_port = tcp->port();
    tcp_server = tcp.get();
    coordinator_actor->add_transport(std::move(tcp));
    options.config_hash = kConfigHash;
    options.join_token = kToken;
    coordinator = std::make_unique<Coordinator>(*coordinator_actor, roles,
                                                roles.member_count() + 1, options, observer);
    coordinator_thread = std::make_unique<ActorThread>(*coordinator_actor);
  }

  TestMember& add_rank(int rank, MemberOptions options = {}) {
    auto member = std::make_unique<TestMember>(fast_liveness());
    member->actor.add_transport(std::make_unique<actors::LoopbackTransport>(network, rank));
    if (options.config_hash == 0) options.config_hash = kConfigHash;
    member->session = std::make_unique<MemberSession>(member->actor, options);
    members.push_back(std::move(member));
    return *members.back();
  }

  TestMember& add_tcp_member(MemberOptions options) {
    auto member = std::make_unique<TestMember>(fast_liveness());
    actors::TcpClientOptions client;
    client.port = tcp_port;
    member->actor.add_transport(
        std::make_unique<actors::TcpClientTransport>(member->actor.io(), client));
    options.over_tcp = true;
    if (options.config_hash == 0) options.config_hash = kConfigHash;
    if (options.join_token.empty()) options.join_token = kToken;
    member->session = std::make_unique<MemberSession>(member->actor, options);
    members.push_back(std::move(member));
    return *members.back();
  }

  // Runs `task` on the coordinator's loop thread.
  template <class F>
  auto on_coordinator(F task) {
    return coordinator_thread->call(task);
  }

  void TearDown() override {
    members.clear();
    coordinator_thread.reset();
    coordinator.reset();
  }

  std::shared_ptr<actors::LoopbackNetwork> network = std::make_shared<actors::LoopbackNetwork>();
  std::unique_ptr<Actor> coordinator_actor;
  actors::TcpServerTransport* tcp_server = nullptr;
  uint16_t tcp_port = 0;
  std::unique_ptr<Coordinator> coordinator;
  std::unique_ptr<ActorThread> coordinator_thread;
  std::vector<std::unique_ptr<TestMember>> members;
};

}  // namespace dact::coordinator::testing
