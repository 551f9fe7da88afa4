#include "launch/roles/joined_evaluator.h"

#include <fmt/format.h>
#include <glog/logging.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "actors/host_name.h"
#include "actors/tcp_client_transport.h"
#include "coordinator/coordinator_errors.h"
#include "coordinator/join_token.h"
#include "coordinator/member_session.h"
#include "config/config_error.h"
#include "launch/host_port.h"
#include "launch/roles/evaluation_jobs.h"
#include "launch/roles/process_priority.h"
#include "launch/roles/role_context.h"
#include "launch/run_setup.h"
#include "workers/evaluator/evaluation_messages.h"
#include "workers/evaluator/reconstruction_messages.h"

namespace dact::launch {
namespace {

// Waits for the run's coordinator to publish its address (an evaluator may be started
// before the run); the coordinator removes the file when the run ends.
std::string wait_for_address_file(const std::string& path, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    std::ifstream file(path);
    std::string address;
    if (file >> address) return address;
    if (std::chrono::steady_clock::now() >= deadline) {
      throw config::ConfigError(fmt::format("{}: no coordinator address after {} s (is the run started? or pass --join HOST:PORT)",
                                    path, timeout_s));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string default_name() {
  return fmt::format("evaluator@{}:{}", actors::host_name(), ::getpid());
}

}  // namespace

void run_joined_evaluator(const JoinedEvaluatorRequest& request) {
  // The address first: the run writes it after its config, so an evaluator started
  // before the run reads a complete config.
  const std::string address_file = request.run_dir + "/coordinator_address";
  const HostPort address =
      request.join.empty() ? parse_host_port(wait_for_address_file(address_file, request.join_timeout_s), address_file)
                           : parse_host_port(request.join, "--join");
  const RunConfig config = load_run_config(request.run_dir);

  lower_process_priority(config.nice_of("evaluator"));  // as an evaluator rank of the MPI world
  actors::Actor actor(actor_options_of(config));
  actors::TcpClientOptions client;
  client.host = address.host;
  client.port = address.port;
  actor.add_transport(std::make_unique<actors::TcpClientTransport>(actor.io(), client));

  coordinator::MemberOptions options;
  options.over_tcp = true;
  options.config_hash = std::stoull(training_hash(config.document), nullptr, 16);
  options.join_token = coordinator::read_token_file(
      request.token_file.empty() ? request.run_dir + "/join_token" : request.token_file);
  options.role = "evaluator";
  options.name = request.name.empty() ? default_name() : request.name;
  options.job_types = {workers::evaluator::kEvaluateJobType, workers::evaluator::kReconstructJobType};
  coordinator::MemberSession session(actor, options);
  session.on_joined([&](actors::PeerId id) {
    LOG(INFO) << options.name << " joined the run at " << address.host << ":" << address.port << " as member "
              << id;
  });
  actor.on_peer_down([&](actors::PeerId peer, const std::string& reason) {
    if (peer == actors::kCoordinatorPeer) {
      throw coordinator::CoordinatorError(fmt::format("lost the coordinator at {}:{}: {}", address.host,
                                                      address.port, reason));
    }
  });
  boost::asio::steady_timer join_deadline(actor.io());
  join_deadline.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(request.join_timeout_s)));
  join_deadline.async_wait([&](const boost::system::error_code& error) {
    if (error || session.admitted()) return;
    throw coordinator::CoordinatorError(fmt::format("not admitted by the coordinator at {}:{} within {} s",
                                                    address.host, address.port, request.join_timeout_s));
  });
  session.start();
  serve_evaluation_jobs(actor, session, config.eval.threads);
  LOG(INFO) << options.name << ": the coordinator ended the run";
}

}  // namespace dact::launch
