#pragma once
// How a coordinator rank (of a training run or of a sweep) lets evaluators join over TCP:
// a listener for join requests, its address published in RUN/coordinator_address (where
// `dact evaluator --run-dir RUN` looks), and the largest frame an evaluator may send.
#include <cstdint>

#include "actors/actor.h"
#include "coordinator/coordinator.h"
#include "launch/config/run_config.h"
#include "launch/roles/role_context.h"

namespace dact::launch {

// The largest frame a joined evaluator sends: one part's result, i.e. float64 moments of
// the widest feature net (Inception-v3's 2048 features), the part's features, and room
// for tensor names, shapes and the message's fields.
uint64_t evaluator_max_payload_bytes(int64_t part_images);

// A coordinator's options for this run with a fresh join token, written to RUN/join_token
// (where joiners on a shared file system read it).
coordinator::CoordinatorOptions joinable_coordinator_options(const RoleContext& context);

// Listens for members joining over TCP (run.join_host, run.join_port) and publishes where.
void listen_for_tcp_members(actors::Actor& actor, const RoleContext& context);

}  // namespace dact::launch
