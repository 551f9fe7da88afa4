// The mpirun command line of a run: OMP_WAIT_POLICY=PASSIVE goes to the ranks exactly
// when the trainers' and evaluators' threads outnumber the cores and the user chose no policy.
#include "launch/mpirun_launcher.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dact::launch {
namespace {

RunConfig default_roles() {
  RunConfig config;
  config.roles = {{"data_loader", 1}, {"trainer", 1}, {"ema", 1}};
  config.run.threads = {{"trainer", 2}, {"data_loader", 1}, {"ema", 1}, {"coordinator", 1}};
  return config;
}

TEST(MpirunCommand, ComputeThreadsCountTrainersAndEvaluators) {
  RunConfig config = default_roles();
  EXPECT_EQ(compute_threads_of(config), 2);
  config.roles["trainer"] = 2;
  config.roles["evaluator"] = 1;
  config.eval.threads = 3;
  EXPECT_EQ(compute_threads_of(config), 2 * 2 + 3);
}

TEST(MpirunCommand, PassiveWaitingOnlyWhenCoresAreShared) {
  RunConfig config = default_roles();
  const std::vector<std::string> passive{"-x", "OMP_WAIT_POLICY=PASSIVE"};
  EXPECT_EQ(omp_wait_policy_args(config, 1, nullptr), passive);
  EXPECT_TRUE(omp_wait_policy_args(config, 2, nullptr).empty());
  config.roles["evaluator"] = 1;  // trainer (2 threads) + evaluator (1) on 2 cores
  EXPECT_EQ(omp_wait_policy_args(config, 2, nullptr), passive);
  EXPECT_TRUE(omp_wait_policy_args(config, 3, nullptr).empty());
  EXPECT_TRUE(omp_wait_policy_args(config, 64, nullptr).empty());
}

TEST(MpirunCommand, TheUsersPolicyWins) {
  // On 1 core the trainer's 2 threads share it: without a user policy this is PASSIVE.
  ASSERT_FALSE(omp_wait_policy_args(default_roles(), 1, nullptr).empty());
  EXPECT_TRUE(omp_wait_policy_args(default_roles(), 1, "ACTIVE").empty());
}

TEST(MpirunCommand, WorkerArgumentsComeLast) {
  const std::vector<std::string> command = mpirun_command(default_roles(), "/runs/a", 250, "--host a,b");
  EXPECT_EQ(command.front(), "mpirun");
  const auto np = std::find(command.begin(), command.end(), "-np");
  ASSERT_NE(np, command.end());
  EXPECT_EQ(*(np + 1), "4");
  EXPECT_NE(std::find(command.begin(), command.end(), "--host"), command.end());
  const std::vector<std::string> tail(command.end() - 5, command.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"worker", "--run-dir", "/runs/a", "--resume-step", "250"}));
}

}  // namespace
}  // namespace dact::launch
