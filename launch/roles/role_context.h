#pragma once
// What every role of a training run starts from: the MPI world, the parsed config,
// the run directory, the step to resume from, and which rank holds which role.
// Built once per process by `dact worker` (worker_command.cpp).
#include <mpi.h>

#include <string>
#include <vector>

#include "actors/actor.h"
#include "coordinator/role_map.h"
#include "launch/config/run_config.h"
#include "storage/run_directory.h"

namespace dact::launch {

// Actor timing (heartbeats, liveness, idle polling) from the run section.
actors::ActorOptions actor_options_of(const RunConfig& config);

struct RoleContext {
  int rank = 0;
  int world_size = 1;
  RunConfig config;
  std::string config_hash;  // training_hash of the resolved config
  storage::RunDirectory run{"."};
  int64_t resume_step = 0;
  std::vector<coordinator::RankRole> ranks;  // role of every rank
  MPI_Comm trainers = MPI_COMM_NULL;         // the trainer ranks only (MPI_COMM_NULL elsewhere)

  const coordinator::RankRole& self() const { return ranks.at(rank); }
  // Ranks holding `role`, ordered by role_index.
  std::vector<int> ranks_of(const std::string& role) const;
  actors::ActorOptions actor_options() const { return actor_options_of(config); }
  // The coordinator protocol's 64-bit form of config_hash.
  uint64_t config_hash_u64() const;
};

// The config's roles (count > 0) in the fixed order of kWorkerRoles.
coordinator::RoleMap role_map_of(const RunConfig& config);
// Rank -> role for a world of `world_size` ranks (rank 0: the coordinator).
std::vector<coordinator::RankRole> assign_ranks(const RunConfig& config, int world_size);

// Each role's entry point: runs until the coordinator's shutdown; throws on failure.
void run_coordinator_role(RoleContext& context);
void run_data_loader_role(RoleContext& context);
void run_trainer_role(RoleContext& context);
void run_ema_role(RoleContext& context);
void run_evaluator_role(RoleContext& context);

}  // namespace dact::launch
