#include "launch/sweep/sweep_world.h"

#include <glog/logging.h>
#include <torch/torch.h>

#include <filesystem>

#include "actors/mpi_session.h"
#include "actors/mpi_transport.h"
#include "coordinator/coordinator.h"
#include "launch/evaluation_setup.h"
#include "launch/roles/process_priority.h"
#include "launch/roles/role_context.h"
#include "launch/roles/stop_signal.h"
#include "launch/roles/tcp_members.h"
#include "launch/run_setup.h"
#include "launch/sweep/sweep_evaluations.h"

namespace dact::launch {
namespace {

void run_sweep_coordinator(const RoleContext& context, const std::string& name) {
  const SweepFiles files(context.run, name);
  actors::Actor actor(context.actor_options());
  actor.add_transport(std::make_unique<actors::MpiTransport>());
  coordinator::CoordinatorOptions options = joinable_coordinator_options(context);
  SweepPlan plan = read_sweep_plan(files.plan_path());
  options.tcp_role_max_payload_bytes = {{"evaluator", evaluator_max_payload_bytes(plan.part_images)}};
  listen_for_tcp_members(actor, context);

  SweepEvaluations sweep(std::move(plan), files, reference_statistics_path(context.config), context.config.model);
  coordinator::Coordinator coordinator(actor, role_map_of(context.config), context.world_size, options, &sweep);
  actor.post([&] { sweep.start(coordinator, actor); });
  actor.run();
  std::filesystem::remove(context.run.root() + "/coordinator_address");  // no stale address for joiners
  if (!sweep.failure().empty()) throw std::runtime_error(sweep.failure());
}

}  // namespace

void run_sweep_world(const std::string& run_dir, const std::string& name) {
  install_stop_signal_handler();
  RoleContext context;
  context.config = load_run_config(run_dir);
  context.config_hash = training_hash(context.config.document);
  context.run = storage::RunDirectory(run_dir);

  int argc = 0;
  char** argv = nullptr;
  actors::MpiSession mpi(argc, argv, MPI_THREAD_MULTIPLE);
  context.rank = mpi.rank();
  context.world_size = mpi.world_size();
  context.config.roles = {{"evaluator", context.world_size - 1}};  // the sweep's world: evaluators only
  std::string role = "?";
  try {
    context.ranks = assign_ranks(context.config, context.world_size);
    role = context.self().role;
    lower_process_priority(context.config.nice_of(role));
    at::set_num_threads(context.config.threads_of(role));
    LOG(INFO) << "sweep rank " << context.rank << " is " << role;
    if (role == coordinator::kCoordinatorRole) {
      run_sweep_coordinator(context, name);
    } else {
      run_evaluator_role(context);
    }
  } catch (const std::exception& e) {
    LOG(ERROR) << "sweep rank " << context.rank << " (" << role << ") failed: " << e.what();
    actors::MpiSession::abort_world(1);
  }
}

}  // namespace dact::launch
