// Rank 0 of a training run: the coordinator (handshake, liveness, leases, status,
// shutdown, TCP members) plus the run-level bookkeeping: stats.jsonl lines from trainer 0,
// snapshot evaluations (snapshot_evaluations.h), and the orderly end once training, the
// EMA actor and (bounded) the last evaluation have finished.
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <glog/logging.h>

#include <filesystem>
#include <functional>

#include "actors/mpi_transport.h"
#include "coordinator/coordinator.h"
#include "launch/evaluation_setup.h"
#include "launch/host_port.h"
#include "launch/roles/role_context.h"
#include "launch/roles/snapshot_evaluations.h"
#include "launch/roles/stop_request_watch.h"
#include "launch/roles/tcp_members.h"
#include "launch/web/run_page_routes.h"
#include "models/autoencoding_model.h"
#include "storage/atomic_file.h"
#include "workers/worker_messages.h"

namespace dact::launch {

coordinator::RoleMap role_map_of(const RunConfig& config) {
  // A fixed order, so rank numbers do not depend on how the config lists the roles.
  std::vector<std::pair<std::string, int>> counts;
  for (const char* role : kWorkerRoles) {
    const auto found = config.roles.find(role);
    if (found != config.roles.end() && found->second > 0) counts.emplace_back(role, found->second);
  }
  return coordinator::RoleMap(counts);
}

std::vector<coordinator::RankRole> assign_ranks(const RunConfig& config, int world_size) {
  return role_map_of(config).assign(world_size);
}

void run_coordinator_role(RoleContext& context) {
  const RunConfig& config = context.config;
  actors::Actor actor(context.actor_options());
  actor.add_transport(std::make_unique<actors::MpiTransport>());

  coordinator::CoordinatorOptions options = joinable_coordinator_options(context);
  listen_for_tcp_members(actor, context);
  options.status.bind_address = config.run.status_host;
  options.status.port = config.run.status_port;
  options.status.pages = run_page_routes(context.run);
  options.tcp_role_max_payload_bytes = {{"evaluator", evaluator_max_payload_bytes(config.eval.part_images)}};

  SnapshotEvaluationsOptions evaluation_options;
  evaluation_options.eval = config.eval;
  evaluation_options.model = config.model;
  if (config.eval.enabled) {
    evaluation_options.feature_weights = feature_weights_path(config);
    evaluation_options.reference = reference_statistics_path(config);
    if (models::is_autoencoding(*config.model)) evaluation_options.held_out_dataset = reference_dataset_dir(config);
  }
  SnapshotEvaluations evaluations(evaluation_options, context.run);
  coordinator::Coordinator coordinator(actor, role_map_of(config), context.world_size, options, &evaluations);
  evaluations.attach(coordinator, actor);
  if (coordinator.status_port() != 0) {
    const std::string address = published_address(config.run.status_host, coordinator.status_port());
    storage::write_file_atomically(context.run.root() + "/status_address", address + "\n");
    LOG(INFO) << "run page: http://" << address << "/ (or: dact status --run-dir " << context.run.root() << ")";
  }

  // The run ends once training and the EMA actor are done and, while an evaluator is
  // there to finish them, the open evaluations are in (at most eval.final_wait_s).
  bool training_finished = false, ema_finished = false, waiting_logged = false;
  boost::asio::steady_timer final_wait(actor.io());
  std::function<void(bool wait_over)> end_when_done = [&](bool wait_over) {
    if (!training_finished || !ema_finished || coordinator.state() != coordinator::CoordinatorState::kRunning) return;
    if (evaluations.worth_waiting_for() && !wait_over) {
      if (!waiting_logged) {
        waiting_logged = true;
        LOG(INFO) << "training done; waiting up to " << config.eval.final_wait_s << " s for "
                  << evaluations.pending_count() << " open evaluations";
        final_wait.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(config.eval.final_wait_s)));
        final_wait.async_wait([&](const boost::system::error_code& error) {
          if (error) return;
          LOG(WARNING) << "eval.final_wait_s passed with " << evaluations.pending_count()
                       << " evaluations open; ending the run without them";
          end_when_done(true);
        });
      }
      return;
    }
    final_wait.cancel();
    coordinator.request_shutdown();
  };
  evaluations.on_change([&] { end_when_done(false); });

  // Progress and the end of training come from trainer 0, snapshots and the end of EMA
  // from the EMA actor: the member table says which peers those are.
  const actors::SenderCheck trainer_0 = coordinator.member_holding("trainer", 0);
  const actors::SenderCheck ema = coordinator.member_holding("ema", 0);
  actor.on<workers::TrainingProgress>(trainer_0, [&](const workers::TrainingProgress& progress, actors::PeerId) {
    storage::append_json_line(context.run.stats_path(), progress.json_line);
    LOG(INFO) << "progress " << progress.json_line;
  });
  actor.on<workers::SnapshotWritten>(ema, [&](const workers::SnapshotWritten& snapshot, actors::PeerId) {
    LOG(INFO) << "snapshot at " << snapshot.nimg << " images: " << snapshot.path;
    if (config.eval.enabled) evaluations.snapshot_written(snapshot.nimg, snapshot.path);
  });
  actor.on<workers::TrainingFinished>(trainer_0, [&](const workers::TrainingFinished& finished, actors::PeerId) {
    LOG(INFO) << "training reached step " << finished.step;
    training_finished = true;
    end_when_done(false);
  });
  actor.on<workers::EmaFinished>(ema, [&](const workers::EmaFinished& finished, actors::PeerId) {
    LOG(INFO) << "EMA actor finished at step " << finished.step;
    ema_finished = true;
    end_when_done(false);
  });
  // Preemption: the supervisor's stop request reaches every trainer; they agree on the step.
  StopRequestWatch stop_watch(actor, context.run.stop_request_path(), 0.5, [&](const std::string& reason) {
    LOG(INFO) << "stop requested (" << reason << "); telling the trainers";
    for (int rank : context.ranks_of("trainer")) actor.send(rank, workers::StopTraining{reason});
  });
  actor.run();
  std::filesystem::remove(context.run.root() + "/coordinator_address");  // no stale address for joiners
  std::filesystem::remove(context.run.root() + "/status_address");
}

}  // namespace dact::launch
