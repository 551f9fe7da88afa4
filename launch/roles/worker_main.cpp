#include "launch/roles/worker_main.h"

#include <glog/logging.h>
#include <torch/torch.h>

#include <chrono>

#include "actors/host_name.h"
#include "actors/mpi_session.h"
#include "launch/roles/process_priority.h"
#include "launch/roles/role_context.h"
#include "launch/roles/stop_signal.h"
#include "launch/run_setup.h"
#include "launch/supervisor/failure_record.h"

namespace dact::launch {

void run_worker(const std::string& run_dir, int64_t resume_step) {
  install_stop_signal_handler();
  RoleContext context;
  context.config = load_run_config(run_dir);
  context.config_hash = training_hash(context.config.document);
  context.run = storage::RunDirectory(run_dir);
  context.resume_step = resume_step;

  int argc = 0;
  char** argv = nullptr;
  actors::MpiSession mpi(argc, argv, MPI_THREAD_MULTIPLE);
  context.rank = mpi.rank();
  context.world_size = mpi.world_size();
  std::string role = "?";
  try {
    context.ranks = assign_ranks(context.config, context.world_size);
    role = context.self().role;
    // Collective over the world: every rank takes part, trainers get a communicator.
    MPI_Comm_split(MPI_COMM_WORLD, role == "trainer" ? 0 : MPI_UNDEFINED, context.rank, &context.trainers);
    lower_process_priority(context.config.nice_of(role));  // before the intra-op threads start: they inherit it
    at::set_num_threads(context.config.threads_of(role));
    LOG(INFO) << "rank " << context.rank << " is " << role << " " << context.self().role_index << " on "
              << actors::host_name();
    if (role == coordinator::kCoordinatorRole) {
      run_coordinator_role(context);
    } else if (role == "data_loader") {
      run_data_loader_role(context);
    } else if (role == "trainer") {
      run_trainer_role(context);
    } else if (role == "ema") {
      run_ema_role(context);
    } else if (role == "evaluator") {
      run_evaluator_role(context);
    } else {
      throw std::runtime_error("no worker implements role '" + role + "'");
    }
    if (context.trainers != MPI_COMM_NULL) MPI_Comm_free(&context.trainers);
  } catch (const std::exception& e) {
    LOG(ERROR) << "rank " << context.rank << " (" << role << ") failed: " << e.what();
    const int role_index = context.ranks.empty() ? -1 : context.self().role_index;
    record_failure(context.run.failure_path(), {context.rank, role, role_index, e.what(), unix_time_s()});
    actors::MpiSession::abort_world(1);
  }
  LOG(INFO) << "rank " << context.rank << " (" << role << ") done";
}

}  // namespace dact::launch
