// The run section's per-role maps: CPU priority, threads and role counts name real roles,
// and the values a typo or a wrong range would make silently useless are refused.
#include <gtest/gtest.h>

#include "config/config_error.h"
#include "launch/config/run_config.h"

namespace dact::launch {
namespace {

using nlohmann::json;

json with_run(const json& run) {
  return {{"model", {{"arch", "edm2-precond"}, {"preset", "edm2-fashion-tiny"}}}, {"run", run}};
}

std::string error_of(const json& document) {
  try {
    parse_run_config(document);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(RunConfig, TrainersRunAtNormalPriorityAndTheOthersBelow) {
  const RunConfig config = parse_run_config(with_run(json::object()));
  EXPECT_EQ(config.nice_of("trainer"), 0);
  EXPECT_GT(config.nice_of("coordinator"), 0);
  EXPECT_GT(config.nice_of("data_loader"), 0);
  EXPECT_GT(config.nice_of("ema"), 0);
  EXPECT_GT(config.nice_of("evaluator"), config.nice_of("data_loader"));
  const RunConfig chosen = parse_run_config(with_run({{"nice", {{"evaluator", 19}, {"trainer", 2}}}}));
  EXPECT_EQ(chosen.nice_of("evaluator"), 19);
  EXPECT_EQ(chosen.nice_of("trainer"), 2);
  EXPECT_EQ(chosen.nice_of("ema"), config.nice_of("ema"));  // defaults kept for roles not named
}

TEST(RunConfig, NiceOutsideZeroToNineteenIsRefused) {
  EXPECT_NE(error_of(with_run({{"nice", {{"trainer", -5}}}})).find("'run.nice.trainer' must be in [0, 19]"),
            std::string::npos);
  EXPECT_NE(error_of(with_run({{"nice", {{"ema", 20}}}})).find("'run.nice.ema'"), std::string::npos);
}

TEST(RunConfig, PerRoleMapsNameTheMisspeltRole) {
  EXPECT_NE(error_of(with_run({{"nice", {{"evalutor", 10}}}})).find("'run.nice.evalutor': no such role"),
            std::string::npos);
  EXPECT_NE(error_of(with_run({{"threads", {{"trainr", 2}}}})).find("'run.threads.trainr': no such role"),
            std::string::npos);
  json document = with_run(json::object());
  document["roles"] = {{"trainer", 1}, {"coordinator", 1}};  // rank 0 is always the coordinator
  EXPECT_NE(error_of(document).find("'roles.coordinator': no such role"), std::string::npos);
  EXPECT_NE(error_of(with_run({{"threads", {{"evaluator", 2}}}})).find("set by 'eval.threads'"), std::string::npos);
}

TEST(RunConfig, PortsOutsideZeroTo65535AreRefused) {
  // 70000 used to be accepted and wrapped to port 4464 by the uint16_t of the listener.
  EXPECT_NE(
      error_of(with_run({{"status_port", 70000}})).find("'run.status_port' is 70000; a port must be in [0, 65535]"),
      std::string::npos);
  EXPECT_NE(error_of(with_run({{"status_port", -1}})).find("'run.status_port'"), std::string::npos);
  EXPECT_NE(error_of(with_run({{"join_port", 65536}})).find("'run.join_port' is 65536"), std::string::npos);
  EXPECT_EQ(parse_run_config(with_run({{"status_port", 65535}, {"join_port", 0}})).run.status_port, 65535);
}

TEST(RunConfig, JoinHostMustBeANumericAddress) {
  EXPECT_NE(error_of(with_run({{"join_host", "no-such-host.invalid"}}))
                .find("'run.join_host' is 'no-such-host.invalid', not an IPv4 or IPv6 address"),
            std::string::npos);
  EXPECT_NE(error_of(with_run({{"join_host", "127.0.0.300"}})).find("'run.join_host'"), std::string::npos);
  EXPECT_EQ(parse_run_config(with_run({{"join_host", "::1"}})).run.join_host, "::1");
  EXPECT_EQ(parse_run_config(with_run({{"join_host", "0.0.0.0"}})).run.join_host, "0.0.0.0");
}

TEST(RunConfig, IdleWaitMustBePositive) {
  EXPECT_EQ(parse_run_config(with_run({{"idle_wait_max_ms", 2.5}})).run.idle_wait_max_ms, 2.5);
  EXPECT_NE(error_of(with_run({{"idle_wait_max_ms", 0}})).find("'run.idle_wait_max_ms' must be positive"),
            std::string::npos);
}

TEST(RunConfig, OptionsTheCodeCannotHonourAreRefused) {
  json fp16 = with_run(json::object());
  fp16["model"]["use_fp16"] = true;
  EXPECT_NE(error_of(fp16).find("'model.use_fp16': float16 is not supported"), std::string::npos) << error_of(fp16);
  fp16["model"]["use_fp16"] = false;  // what dact does anyway
  EXPECT_EQ(error_of(fp16), "");
  // A trainer's threads are run.threads.trainer; the trainer section has no such key.
  json trainer_threads = with_run(json::object());
  trainer_threads["trainer"] = {{"threads", 2}};
  EXPECT_NE(error_of(trainer_threads).find("trainer.threads"), std::string::npos) << error_of(trainer_threads);
}

}  // namespace
}  // namespace dact::launch
