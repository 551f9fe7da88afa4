// Rank 0 of a training run: the coordinator (handshake, liveness, leases, status,
// shutdown) plus the run-level bookkeeping: stats.jsonl lines from trainer 0, the
// snapshot log, and the orderly end once training and the EMA actor have finished.
#include <glog/logging.h>

#include "actors/mpi_transport.h"
#include "coordinator/coordinator.h"
#include "coordinator/join_token.h"
#include "launch/roles/role_context.h"
#include "launch/roles/stop_request_watch.h"
#include "workers/worker_messages.h"

namespace dact::launch {
namespace {

coordinator::RoleMap role_map_of(const RunConfig& config) {
  // A fixed order, so rank numbers do not depend on how the config lists the roles.
  std::vector<std::pair<std::string, int>> counts;
  for (const char* role : {"data_loader", "trainer", "ema", "evaluator"}) {
    const auto found = config.roles.find(role);
    if (found != config.roles.end() && found->second > 0) counts.emplace_back(role, found->second);
  }
  return coordinator::RoleMap(counts);
}

}  // namespace

std::vector<coordinator::RankRole> assign_ranks(const RunConfig& config, int world_size) {
  return role_map_of(config).assign(world_size);
}

void run_coordinator_role(RoleContext& context) {
  actors::Actor actor(context.actor_options());
  actor.add_transport(std::make_unique<actors::MpiTransport>());

  coordinator::CoordinatorOptions options;
  options.config_hash = context.config_hash_u64();
  options.join_token = coordinator::generate_join_token();
  coordinator::write_token_file(context.run.root() + "/join_token", options.join_token);
  options.status.port = static_cast<uint16_t>(context.config.run.status_port);
  coordinator::Coordinator coordinator(actor, role_map_of(context.config), context.world_size, options);
  if (coordinator.status_port() != 0) {
    LOG(INFO) << "status endpoint: http://127.0.0.1:" << coordinator.status_port() << "/";
  }

  bool training_finished = false, ema_finished = false;
  auto end_when_done = [&] {
    if (training_finished && ema_finished) coordinator.request_shutdown();
  };
  actor.on<workers::TrainingProgress>([&](const workers::TrainingProgress& progress, actors::PeerId) {
    storage::append_json_line(context.run.stats_path(), progress.json_line);
    LOG(INFO) << "progress " << progress.json_line;
  });
  actor.on<workers::SnapshotWritten>([&](const workers::SnapshotWritten& snapshot, actors::PeerId) {
    LOG(INFO) << "snapshot " << snapshot.kimg << " kimg: " << snapshot.path;
  });
  actor.on<workers::TrainingFinished>([&](const workers::TrainingFinished& finished, actors::PeerId) {
    LOG(INFO) << "training reached step " << finished.step;
    training_finished = true;
    end_when_done();
  });
  actor.on<workers::EmaFinished>([&](const workers::EmaFinished& finished, actors::PeerId) {
    LOG(INFO) << "EMA actor finished at step " << finished.step;
    ema_finished = true;
    end_when_done();
  });
  // Preemption: the supervisor's stop request reaches every trainer; they agree on the step.
  StopRequestWatch stop_watch(actor, context.run.stop_request_path(), 0.5, [&](const std::string& reason) {
    LOG(INFO) << "stop requested (" << reason << "); telling the trainers";
    for (int rank : context.ranks_of("trainer")) actor.send(rank, workers::StopTraining{reason});
  });
  actor.run();
}

}  // namespace dact::launch
