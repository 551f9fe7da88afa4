// The run section's per-role maps: CPU priority, threads and role counts name real roles,
// and the values a typo or a wrong range would make silently useless are refused; the
// training recipe's keys (below) likewise, and the eval section's sampler controls and
// autoguidance (they reach the evaluation config, the guide snapshot as an absolute
// path so evaluators started elsewhere find it).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/config_error.h"
#include "launch/config/config_document.h"
#include "launch/config/run_config.h"
#include "tests/support/temp_dir.h"

namespace dact::launch {
namespace {

using nlohmann::json;
using workers::trainer::LrSchedule;

json with_run(const json& run) {
  return {{"model", {{"arch", "edm2-precond"}, {"preset", "edm2-fashion-tiny"}}}, {"run", run}};
}

json with_eval(const json& eval) {
  return {{"model", {{"arch", "edm2-precond"}, {"preset", "edm2-fashion-tiny"}}}, {"eval", eval}};
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
  EXPECT_NE(error_of(with_run({{"status_port", -2}})).find("'run.status_port' is -2"), std::string::npos);
  EXPECT_EQ(parse_run_config(with_run({{"status_port", -1}})).run.status_port, -1);  // off
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

TEST(RunConfig, AllReduceIsMpiOrNcclAndNcclNeedsACudaBuild) {
  using dact::workers::trainer::AllReduceBackend;
  EXPECT_EQ(parse_run_config(with_run(json::object())).trainer.allreduce, AllReduceBackend::kMpi);
  json document = with_run(json::object());
  document["trainer"]["allreduce"] = "mpi";
  EXPECT_EQ(parse_run_config(document).trainer.allreduce, AllReduceBackend::kMpi);
  document["trainer"]["allreduce"] = "gloo";
  EXPECT_NE(error_of(document).find("config key 'trainer.allreduce' must be 'mpi' or 'nccl', not 'gloo'"),
            std::string::npos)
      << error_of(document);
  document["trainer"]["allreduce"] = "nccl";
#ifdef DACT_WITH_CUDA
  EXPECT_EQ(parse_run_config(document).trainer.allreduce, AllReduceBackend::kNccl);
#else
  EXPECT_NE(error_of(document).find("config key 'trainer.allreduce' is 'nccl', which needs a build with "
                                    "-DDACT_WITH_CUDA=ON"),
            std::string::npos)
      << error_of(document);
#endif
}

// The DiT/MAR recipe's keys (trainer.lr_schedule and its keys, trainer.adam's weight
// decay, trainer.clip_grad_norm, ema.classic, eval.ema): EDM2's recipe stays the
// default, the new keys parse, and every wrong value is refused by its full path.
json recipe_document(const json& trainer, const json& ema = json::object(), const json& eval = json::object()) {
  return {{"model", {{"arch", "edm2-precond"}, {"preset", "edm2-fashion-tiny"}}},
          {"trainer", trainer},
          {"ema", ema},
          {"eval", eval}};
}

#define EXPECT_REFUSED(document, text) \
  EXPECT_NE(error_of(document).find(text), std::string::npos) << error_of(document)

TEST(TrainingRecipeConfig, TheBundledPresetKeepsEdm2sRecipe) {
  const RunConfig config = parse_run_config(load_preset("fashion-mnist"));
  EXPECT_EQ(config.trainer.lr_schedule, LrSchedule::kEdm2);
  EXPECT_EQ(config.trainer.ref_lr, 0.01);
  EXPECT_EQ(config.trainer.adam.weight_decay, 0.0);
  EXPECT_EQ(config.trainer.adam.beta2, 0.99);
  EXPECT_EQ(config.trainer.clip_grad_norm, 0.0);
  EXPECT_TRUE(config.ema.classic.empty());
  EXPECT_EQ(config.eval.ema, "");
  EXPECT_EQ(config.eval.ema_std, 0.1);
}

TEST(TrainingRecipeConfig, TheEnergyPresetIsAnEnergyDitEvaluatedWithoutMcmc) {
  const RunConfig config = parse_run_config(load_preset("fashion-mnist-energy"));
  EXPECT_EQ(config.model->samplers(), std::vector<std::string>{"ddpm"});
  EXPECT_EQ(config.model->label_dim(), 10);
  EXPECT_EQ(config.trainer.clip_grad_norm, 3.0);
  EXPECT_TRUE(config.eval.mcmc.off);
  EXPECT_TRUE(config.ema.preview.mcmc.off);
}

TEST(TrainingRecipeConfig, MarsRecipeParses) {
  const RunConfig config = parse_run_config(recipe_document(
      {{"batch", 256},
       {"lr_schedule", "cosine"},
       {"base_lr", 8e-4},
       {"warmup_kimg", 100},
       {"min_lr", 1e-5},
       {"decay_end_kimg", 1000},
       {"clip_grad_norm", 3.0},
       {"adam", {{"beta1", 0.9}, {"beta2", 0.95}, {"weight_decay", 0.02}, {"no_weight_decay_names", {"pos_embed"}}}}},
      {{"classic", {{{"decay", 0.9999}}, {{"name", "warm"}, {"decay", 0.999}, {"warmup", true}}}}},
      {{"ema", "warm"}}));
  EXPECT_EQ(config.trainer.lr_schedule, LrSchedule::kCosine);
  EXPECT_EQ(config.trainer.base_lr, 8e-4);
  EXPECT_EQ(config.trainer.warmup_kimg, 100);
  EXPECT_EQ(config.trainer.min_lr, 1e-5);
  EXPECT_EQ(config.trainer.decay_end_kimg, 1000);
  EXPECT_EQ(config.trainer.clip_grad_norm, 3.0);
  EXPECT_EQ(config.trainer.adam.beta2, 0.95);
  EXPECT_EQ(config.trainer.adam.weight_decay, 0.02);
  EXPECT_EQ(config.trainer.adam.no_weight_decay_names, std::vector<std::string>{"pos_embed"});
  ASSERT_EQ(config.ema.classic.size(), 2u);
  EXPECT_EQ(config.ema.classic[0], (workers::ema::ClassicEmaOptions{"classic-0.9999", 0.9999, false}));
  EXPECT_EQ(config.ema.classic[1], (workers::ema::ClassicEmaOptions{"warm", 0.999, true}));
  EXPECT_EQ(config.eval.ema, "warm");
  const RunConfig constant =
      parse_run_config(recipe_document({{"lr_schedule", "constant"}, {"base_lr", 1e-4}, {"warmup_kimg", 5}}));
  EXPECT_EQ(constant.trainer.lr_schedule, LrSchedule::kConstant);
}

TEST(TrainingRecipeConfig, ScheduleValuesAndKeysOfAnotherScheduleAreRefused) {
  EXPECT_REFUSED(recipe_document({{"lr_schedule", "linear"}}),
                 "config key 'trainer.lr_schedule' must be 'edm2', 'constant' or 'cosine', not 'linear'");
  EXPECT_REFUSED(recipe_document({{"base_lr", 1e-4}}),
                 "config key 'trainer.base_lr' applies only to 'trainer.lr_schedule' 'constant' or 'cosine'");
  EXPECT_REFUSED(recipe_document({{"lr_schedule", "cosine"}, {"ref_lr", 0.01}, {"decay_end_kimg", 10}}),
                 "config key 'trainer.ref_lr' applies only to 'trainer.lr_schedule' 'edm2'");
  EXPECT_REFUSED(recipe_document({{"lr_schedule", "constant"}, {"min_lr", 0}}),
                 "config key 'trainer.min_lr' applies only to 'trainer.lr_schedule' 'cosine'");
  EXPECT_REFUSED(recipe_document({{"lr_schedule", "cosine"}}),
                 "config key 'trainer.decay_end_kimg' is required by 'trainer.lr_schedule' 'cosine'");
  EXPECT_REFUSED(recipe_document({{"lr_schedule", "cosine"}, {"warmup_kimg", 10}, {"decay_end_kimg", 10}}),
                 "'trainer.decay_end_kimg' must be greater than 'trainer.warmup_kimg'");
  EXPECT_REFUSED(recipe_document({{"lr_schedule", "cosine"}, {"batch", 256}, {"base_lr", 1e-4}, {"min_lr", 2e-4},
                                  {"decay_end_kimg", 10}}),
                 "config key 'trainer.min_lr' must be in [0, base_lr * batch / 256 = 0.0001]");
  EXPECT_REFUSED(recipe_document({{"lr_schedule", "constant"}, {"base_lr", 0}}),
                 "config key 'trainer.base_lr' must be positive");
  EXPECT_REFUSED(recipe_document({{"lr_schedule", "constant"}, {"warmup_kimg", -1}}),
                 "config key 'trainer.warmup_kimg' must be >= 0");
  EXPECT_REFUSED(recipe_document({{"lr_schedule", 3}}), "trainer.lr_schedule");
}

TEST(TrainingRecipeConfig, OptimizerAndClippingValuesAreChecked) {
  EXPECT_REFUSED(recipe_document({{"clip_grad_norm", -1}}), "config key 'trainer.clip_grad_norm' must be >= 0");
  EXPECT_REFUSED(recipe_document({{"adam", {{"weight_decay", -0.1}}}}),
                 "config key 'trainer.adam.weight_decay' must be >= 0");
  EXPECT_REFUSED(recipe_document({{"adam", {{"beta2", 1.0}}}}), "config key 'trainer.adam.beta2' must be in [0, 1)");
  EXPECT_REFUSED(recipe_document({{"adam", {{"no_weight_decay_names", {"x"}}}}}),
                 "config key 'trainer.adam.no_weight_decay_names' applies only with 'trainer.adam.weight_decay'");
  EXPECT_REFUSED(recipe_document({{"adam", {{"weight_decay", 0.1}, {"no_weight_decay_names", "x"}}}}),
                 "trainer.adam.no_weight_decay_names");
  EXPECT_REFUSED(recipe_document({{"adam", {{"wd", 0.1}}}}), "trainer.adam.wd");
}

TEST(TrainingRecipeConfig, ClassicEmaTracksAndTheirChoiceAreChecked) {
  const json no_trainer = json::object();
  EXPECT_REFUSED(recipe_document(no_trainer, {{"classic", {{{"decay", 1.0}}}}}),
                 "config key 'ema.classic[0].decay' must be in [0, 1)");
  EXPECT_REFUSED(recipe_document(no_trainer, {{"classic", {{{"decay", 0.99}, {"warmpu", true}}}}}),
                 "ema.classic[0].warmpu");
  EXPECT_REFUSED(recipe_document(no_trainer, {{"classic", {{{"name", "a"}}, {{"name", "a"}, {"decay", 0.9}}}}}),
                 "config key 'ema.classic[1].name': another track is named 'a'");
  EXPECT_REFUSED(recipe_document(no_trainer, {{"classic", {{{"name", "a/b"}}}}}),
                 "config key 'ema.classic[0].name' must be non-empty and without '/'");
  EXPECT_REFUSED(recipe_document(no_trainer, {{"classic", {0.9999}}}), "ema.classic[0]");
  EXPECT_REFUSED(recipe_document(no_trainer, {{"classic", {{{"name", "a"}}}}}, {{"ema", "b"}}),
                 "config key 'eval.ema' ('b') must name a track of 'ema.classic'");
  EXPECT_REFUSED(recipe_document(no_trainer, {{"classic", {{{"name", "a"}}}}}, {{"ema", "a"}, {"ema_std", 0.1}}),
                 "config keys 'eval.ema' and 'eval.ema_std' both choose the EMA track; set one");
}

TEST(TrainingRecipeConfig, TheEdmPresetKeepsEdmsRecipe) {
  // EDM training_loop.py: Adam at a constant lr after a linear ramp-up over images (no
  // decay), and the EMA half-life in images with its ramp-up ratio.
  const RunConfig config = parse_run_config(load_preset("fashion-mnist-edm"));
  EXPECT_EQ(config.trainer.lr_schedule, LrSchedule::kEdm2);
  EXPECT_EQ(config.trainer.ref_batches, 0);
  EXPECT_EQ(config.trainer.adam.weight_decay, 0.0);
  ASSERT_EQ(config.ema.classic.size(), 1u);
  EXPECT_EQ(config.ema.classic[0], (workers::ema::ClassicEmaOptions{"ema", 0.9999, false, 2, 0.05, 64}));
  EXPECT_EQ(config.eval.ema, "ema");
  EXPECT_EQ(config.model->samplers(), (std::vector<std::string>{"heun", "euler", "sed"}));
  EXPECT_EQ(config.model->label_dim(), 10);
}

TEST(TrainingRecipeConfig, HalfLifeTracksAreChecked) {
  const json no_trainer = json::object();
  const RunConfig config = parse_run_config(
      recipe_document({{"batch", 128}}, {{"classic", {{{"halflife_kimg", 500}, {"rampup_ratio", 0.05}}}}}));
  EXPECT_EQ(config.ema.classic[0], (workers::ema::ClassicEmaOptions{"halflife-500", 0.9999, false, 500, 0.05, 128}));
  EXPECT_REFUSED(recipe_document(no_trainer, {{"classic", {{{"halflife_kimg", 500}, {"decay", 0.9}}}}}),
                 "config key 'ema.classic[0].halflife_kimg' sets EDM's half-life EMA; 'decay' and 'warmup' do not apply");
  EXPECT_REFUSED(recipe_document(no_trainer, {{"classic", {{{"halflife_kimg", 0}}}}}),
                 "config key 'ema.classic[0].halflife_kimg' must be > 0");
  EXPECT_REFUSED(recipe_document(no_trainer, {{"classic", {{{"halflife_kimg", 1}, {"rampup_ratio", -1}}}}}),
                 "config key 'ema.classic[0].rampup_ratio' must be >= 0");
  EXPECT_REFUSED(recipe_document(no_trainer, {{"classic", {{{"rampup_ratio", 0.05}}}}}), "ema.classic[0].rampup_ratio");
}

#undef EXPECT_REFUSED

TEST(EvalSamplerConfig, ControlsAndGuideReachTheEvaluationConfig) {
  const dact::testing::TempDir dir("dact-eval-sampler-config");
  std::ofstream(dir / "guide.h5") << "a snapshot";
  const RunConfig config = parse_run_config(with_eval({{"sampler", "sed"}, {"rho", 5}, {"churn", 2},
                                                       {"s_max", 10}, {"guide_snapshot", dir / "guide.h5"},
                                                       {"guide_std", 0.045}}));
  EXPECT_EQ(config.eval.sampler, "sed");
  EXPECT_EQ(config.eval.edm.describe(), "--rho 5, --churn 2, --s-max 10");
  EXPECT_TRUE(std::filesystem::path(config.eval.guide_snapshot).is_absolute());
  EXPECT_EQ(config.eval.guide_std, 0.045);
  EXPECT_FALSE(parse_run_config(with_eval(json::object())).eval.edm.any());
}

TEST(EvalSamplerConfig, ProtocolSetsItsImageCountUnlessNumImagesSaysOtherwise) {
  EXPECT_EQ(parse_run_config(with_eval({{"protocol", "fid50k"}})).eval.num_images, 50000);
  EXPECT_EQ(parse_run_config(with_eval({{"protocol", "fid50k"}, {"num_images", 10000}})).eval.num_images, 10000);
  EXPECT_EQ(parse_run_config(with_eval(json::object())).eval.num_images, 256);
  EXPECT_NE(error_of(with_eval({{"protocol", "fid10k"}}))
                .find("config key 'eval.protocol': unknown evaluation protocol 'fid10k' (known: fid50k)"),
            std::string::npos);
}

TEST(EvalSamplerConfig, BadControlsAndAMissingGuideAreRefused) {
  EXPECT_NE(error_of(with_eval({{"sigma_min", 2}, {"sigma_max", 1}}))
                .find("config section 'eval': sampler control --sigma-min must be below --sigma-max"),
            std::string::npos);
  EXPECT_NE(error_of(with_eval({{"churn", -1}})).find("--churn must be >= 0"), std::string::npos);
  EXPECT_NE(error_of(with_eval({{"guide_snapshot", "/nonexistent/guide.h5"}}))
                .find("config key 'eval.guide_snapshot': no file '/nonexistent/guide.h5'"),
            std::string::npos);
  EXPECT_NE(error_of(with_eval({{"rh0", 5}})).find("eval.rh0"), std::string::npos);
}

TEST(EvalSamplerConfig, SettingsInvalidForTheFamilyFailAtLoad) {
  // What sampling would refuse is refused when the config loads, not at the first evaluation.
  EXPECT_NE(error_of(with_eval({{"sampler", "sed"}, {"steps", 1}})).find("config section 'eval'"), std::string::npos);
  json dit = {{"model", {{"arch", "dit-flow"}, {"input_size", 8}, {"patch_size", 4}, {"in_channels", 1},
                         {"hidden_size", 16}, {"depth", 1}, {"num_heads", 2}, {"num_classes", 10}}},
              {"eval", {{"rho", 5}}}};
  EXPECT_NE(error_of(dit).find("apply to the EDM-preconditioned families only (set: --rho 5)"), std::string::npos)
      << error_of(dit);
  json unconditional = {{"model", {{"arch", "edm2-precond"}, {"preset", "edm2-fashion-tiny"}, {"label_dim", 0}}},
                        {"eval", {{"guidance", 2.0}}}};
  EXPECT_NE(error_of(unconditional).find("guidance needs a class-conditional model"), std::string::npos)
      << error_of(unconditional);
}

TEST(EvalSamplerConfig, ScheduleFileSetsTheLevelsAndSteps) {
  const dact::testing::TempDir dir("dact-eval-schedule-config");
  std::ofstream(dir / "schedule.json") << R"({"sigmas": [80, 2.5, 0.002], "parameterisation": "softmax"})";
  std::ofstream(dir / "rising.json") << R"({"sigmas": [0.002, 2.5, 80]})";
  const std::string path = dir / "schedule.json";
  const RunConfig config = parse_run_config(with_eval({{"schedule", path}}));
  EXPECT_EQ(config.eval.edm.sigmas, (std::vector<double>{80, 2.5, 0.002}));
  EXPECT_EQ(config.eval.steps, 3);
  EXPECT_EQ(error_of(with_eval({{"schedule", path}, {"steps", 3}, {"sampler", "euler"}})), "");
  EXPECT_NE(error_of(with_eval({{"schedule", path}, {"steps", 8}}))
                .find("config key 'eval.steps' (8) differs from the 3 noise levels of 'eval.schedule'"),
            std::string::npos);
  EXPECT_EQ(error_of(with_eval({{"schedule", path}, {"sampler", "sed"}})), "");  // sed steps in sigma too
  EXPECT_NE(error_of(with_eval({{"schedule", path}, {"rho", 3}})).find("--schedule replaces the rho-schedule"),
            std::string::npos);
  EXPECT_NE(error_of(with_eval({{"schedule", dir / "rising.json"}}))
                .find("strictly decreasing"),
            std::string::npos);
  EXPECT_NE(error_of(with_eval({{"schedule", "/nonexistent.json"}})).find("schedule file '/nonexistent.json'"),
              std::string::npos);
}

// dit-energy's MCMC refinement: eval.mcmc_* reach the evaluation jobs.
TEST(EvalSamplerConfig, McmcControlsReachTheEvaluationConfig) {
  const RunConfig config = parse_run_config(with_eval({{"mcmc_steps_base", 2}, {"mcmc_step_size", 0.01}}));
  EXPECT_EQ(config.eval.mcmc.describe(), "--mcmc-steps-base 2, --mcmc-step-size 0.01");
  EXPECT_TRUE(parse_run_config(with_eval({{"mcmc", false}})).eval.mcmc.off);
  EXPECT_FALSE(parse_run_config(with_eval(json::object())).eval.mcmc.any());
  EXPECT_NE(error_of(with_eval({{"mcmc_step_size", -1}})).find("config keys 'eval.mcmc_*': --mcmc-step-size must be > 0"),
            std::string::npos);
}

}  // namespace
}  // namespace dact::launch
