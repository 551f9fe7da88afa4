#include "launch/config/run_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <boost/asio/ip/address.hpp>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "coordinator/role_map.h"
#include "launch/config/config_document.h"
#include "launch/config/schedule_file.h"
#include "models/diffusion/edm_family_sampling.h"
#include "workers/evaluator/evaluation_protocol.h"
#include "workers/trainer/learning_rate.h"

namespace dact::launch {
namespace {

// `section.key` must be > 0 (NaN is not).
void require_positive(double value, const char* section, const char* key) {
  if (!(value > 0)) throw config::ConfigError(std::string("config key '") + section + "." + key + "' must be positive");
}

// Every key of a per-role map must name a role: a misspelt one would be silently ignored.
void require_role_keys(const std::map<std::string, int>& per_role, const std::string& key, bool coordinator_too) {
  std::vector<std::string> roles(kWorkerRoles.begin(), kWorkerRoles.end());
  if (coordinator_too) roles.insert(roles.begin(), coordinator::kCoordinatorRole);
  for (const auto& [role, value] : per_role) {
    if (std::find(roles.begin(), roles.end(), role) != roles.end()) continue;
    std::string known;
    for (const std::string& name : roles) known += (known.empty() ? "" : ", ") + name;
    throw config::ConfigError("config key '" + key + "." + role + "': no such role (roles: " + known + ")");
  }
}

// A TCP port: 0 (the kernel picks) .. 65535, or -1 (off) where `may_be_off`; anything
// else would wrap in uint16_t.
void require_port(int port, const char* key, bool may_be_off = false) {
  if (may_be_off && port == -1) return;
  if (port < 0 || port > 65535) {
    throw config::ConfigError(fmt::format("config key 'run.{}' is {}; a port must be in [0, 65535]{}", key, port,
                                          may_be_off ? " or -1 (off)" : ""));
  }
}

// The listener binds a numeric address (actors/tcp_listener.cpp); a host name would only
// fail inside the MPI world, where a restart cannot cure it.
void require_ip_address(const std::string& address, const char* key) {
  boost::system::error_code error;
  boost::asio::ip::make_address(address, error);
  if (error) {
    throw config::ConfigError(fmt::format("config key 'run.{}' is '{}', not an IPv4 or IPv6 address ({})", key, address,
                                  error.message()));
  }
}

// Keys of one lr schedule only: set under another they would be silently ignored.
void require_schedule_keys(const config::ConfigReader& reader, workers::trainer::LrSchedule schedule) {
  using workers::trainer::LrSchedule;
  const struct {
    const char* key;
    std::vector<LrSchedule> schedules;
    const char* names;
  } keys[] = {{"ref_lr", {LrSchedule::kEdm2}, "'edm2'"},
              {"ref_batches", {LrSchedule::kEdm2}, "'edm2'"},
              {"rampup_Mimg", {LrSchedule::kEdm2}, "'edm2'"},
              {"base_lr", {LrSchedule::kConstant, LrSchedule::kCosine}, "'constant' or 'cosine'"},
              {"warmup_kimg", {LrSchedule::kConstant, LrSchedule::kCosine}, "'constant' or 'cosine'"},
              {"min_lr", {LrSchedule::kCosine}, "'cosine'"},
              {"decay_end_kimg", {LrSchedule::kCosine}, "'cosine'"}};
  for (const auto& entry : keys) {
    const bool applies =
        std::find(entry.schedules.begin(), entry.schedules.end(), schedule) != entry.schedules.end();
    if (!applies && reader.has(entry.key)) {
      throw config::ConfigError(fmt::format("config key '{}' applies only to 'trainer.lr_schedule' {}",
                                            reader.key_path(entry.key), entry.names));
    }
  }
}

void read_learning_rate(config::ConfigReader& reader, workers::trainer::TrainerConfig& config) {
  using workers::trainer::LrSchedule;
  std::string schedule_name = "edm2";
  reader.optional("lr_schedule", schedule_name);
  const std::optional<LrSchedule> schedule = workers::trainer::lr_schedule_named(schedule_name);
  if (!schedule) {
    throw config::ConfigError("config key 'trainer.lr_schedule' must be 'edm2', 'constant' or 'cosine', not '" +
                              schedule_name + "'");
  }
  config.lr_schedule = *schedule;
  require_schedule_keys(reader, config.lr_schedule);
  reader.optional("ref_lr", config.ref_lr);
  reader.optional("ref_batches", config.ref_batches);
  reader.optional("rampup_Mimg", config.rampup_Mimg);
  reader.optional("base_lr", config.base_lr);
  reader.optional("warmup_kimg", config.warmup_kimg);
  reader.optional("min_lr", config.min_lr);
  reader.optional("decay_end_kimg", config.decay_end_kimg);
  if (config.lr_schedule == LrSchedule::kEdm2) return;
  require_positive(config.base_lr, "trainer", "base_lr");
  if (!(config.warmup_kimg >= 0)) throw config::ConfigError("config key 'trainer.warmup_kimg' must be >= 0");
  if (config.lr_schedule != LrSchedule::kCosine) return;
  if (!reader.has("decay_end_kimg")) {
    // run.duration_kimg is no substitute: it may change on resume, the schedule may not.
    throw config::ConfigError("config key 'trainer.decay_end_kimg' is required by 'trainer.lr_schedule' 'cosine'");
  }
  if (!(config.decay_end_kimg > config.warmup_kimg)) {
    throw config::ConfigError("config key 'trainer.decay_end_kimg' must be greater than 'trainer.warmup_kimg'");
  }
  const double peak_lr = workers::trainer::scaled_base_lr(config.base_lr, config.batch);
  if (!(config.min_lr >= 0 && config.min_lr <= peak_lr)) {
    throw config::ConfigError(fmt::format(
        "config key 'trainer.min_lr' must be in [0, base_lr * batch / 256 = {}]", peak_lr));
  }
}

void read_adam(config::ConfigReader adam, workers::trainer::AdamOptions& options) {
  adam.optional("beta1", options.beta1);
  adam.optional("beta2", options.beta2);
  adam.optional("eps", options.eps);
  adam.optional("weight_decay", options.weight_decay);
  if (adam.has("no_weight_decay_names") && !adam.has("weight_decay")) {
    throw config::ConfigError("config key 'trainer.adam.no_weight_decay_names' applies only with "
                              "'trainer.adam.weight_decay'");
  }
  adam.optional("no_weight_decay_names", options.no_weight_decay_names);
  adam.finish();
  for (const auto& [key, beta] : {std::pair{"beta1", options.beta1}, std::pair{"beta2", options.beta2}}) {
    if (!(beta >= 0 && beta < 1)) {
      throw config::ConfigError(fmt::format("config key 'trainer.adam.{}' must be in [0, 1)", key));
    }
  }
  require_positive(options.eps, "trainer.adam", "eps");
  if (!(options.weight_decay >= 0)) throw config::ConfigError("config key 'trainer.adam.weight_decay' must be >= 0");
}

void read_all_reduce(config::ConfigReader& reader, workers::trainer::TrainerConfig& config) {
  std::string backend = "mpi";
  reader.optional("allreduce", backend);
  if (backend == "mpi") {
    config.allreduce = workers::trainer::AllReduceBackend::kMpi;
  } else if (backend == "nccl") {
#ifndef DACT_WITH_CUDA
    throw config::ConfigError(
        "config key 'trainer.allreduce' is 'nccl', which needs a build with -DDACT_WITH_CUDA=ON (CUDA, NCCL and a "
        "CUDA LibTorch); this build trains on CPUs with 'mpi'");
#endif
    config.allreduce = workers::trainer::AllReduceBackend::kNccl;
  } else {
    throw config::ConfigError("config key 'trainer.allreduce' must be 'mpi' or 'nccl', not '" + backend + "'");
  }
}

void read_trainer(config::ConfigReader reader, workers::trainer::TrainerConfig& config, nlohmann::json& loss) {
  reader.optional("loss", loss);  // the model family's objective reads it
  reader.optional("batch", config.batch);
  reader.optional("batch_per_rank", config.batch_per_rank);
  read_learning_rate(reader, config);
  read_adam(reader.child("adam"), config.adam);
  reader.optional("clip_grad_norm", config.clip_grad_norm);
  if (!(config.clip_grad_norm >= 0)) {
    throw config::ConfigError("config key 'trainer.clip_grad_norm' must be >= 0 (0 = off)");
  }
  reader.optional("ema_every_steps", config.ema_every_steps);
  reader.optional("checkpoint_every_steps", config.checkpoint_every_steps);
  reader.optional("status_every_s", config.status_every_s);
  reader.optional("max_nonfinite_in_a_row", config.max_nonfinite_in_a_row);
  reader.optional("credits", config.credits);
  reader.optional("bucket_bytes", config.bucket_bytes);
  read_all_reduce(reader, config);
  reader.finish();
  auto positive = [](int64_t value, const char* key) { require_positive(static_cast<double>(value), "trainer", key); };
  positive(config.batch, "batch");
  positive(config.batch_per_rank, "batch_per_rank");
  positive(config.ema_every_steps, "ema_every_steps");
  positive(config.checkpoint_every_steps, "checkpoint_every_steps");
  positive(config.credits, "credits");
  if (config.checkpoint_every_steps % config.ema_every_steps != 0) {
    // A checkpoint must capture an EMA state the uninterrupted run also has (exact resume).
    throw config::ConfigError("config key 'trainer.checkpoint_every_steps' must be a multiple of 'trainer.ema_every_steps'");
  }
}

// ema.classic: [{"name": "ema", "decay": 0.9999, "warmup": false}, ...] or EDM's
// half-life EMA [{"name": "ema", "halflife_kimg": 500, "rampup_ratio": 0.05}]; the name
// defaults to "classic-<decay>" ("-warmup" appended with warm-up) or "halflife-<kimg>".
// `batch` is the run's trainer.batch (the half-life counts images).
void read_classic_ema(config::ConfigReader& reader, int64_t batch,
                      std::vector<workers::ema::ClassicEmaOptions>& tracks) {
  std::vector<nlohmann::json> entries;
  reader.optional("classic", entries);
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string path = reader.key_path("classic") + "[" + std::to_string(i) + "]";
    if (!entries[i].is_object()) config::throw_wrong_type(path, "an object", entries[i]);
    config::ConfigReader entry(entries[i], path);
    workers::ema::ClassicEmaOptions options;
    if (entry.has("halflife_kimg")) {
      if (entry.has("decay") || entry.has("warmup")) {
        throw config::ConfigError("config key '" + path +
                                  ".halflife_kimg' sets EDM's half-life EMA; 'decay' and 'warmup' do not apply");
      }
      entry.required("halflife_kimg", options.halflife_kimg);
      entry.optional("rampup_ratio", options.rampup_ratio);
      options.batch = batch;
      if (!(options.halflife_kimg > 0)) throw config::ConfigError("config key '" + path + ".halflife_kimg' must be > 0");
      if (!(options.rampup_ratio >= 0)) throw config::ConfigError("config key '" + path + ".rampup_ratio' must be >= 0");
      options.name = fmt::format("halflife-{}", options.halflife_kimg);
    } else {
      entry.optional("decay", options.decay);
      entry.optional("warmup", options.warmup);
      options.name = fmt::format("classic-{}{}", options.decay, options.warmup ? "-warmup" : "");
    }
    entry.optional("name", options.name);
    entry.finish();
    if (!(options.decay >= 0 && options.decay < 1)) {
      throw config::ConfigError("config key '" + path + ".decay' must be in [0, 1)");
    }
    // The name is part of tensor names in snapshot files ("classic/<name>/<param>").
    if (options.name.empty() || options.name.find('/') != std::string::npos) {
      throw config::ConfigError("config key '" + path + ".name' must be non-empty and without '/'");
    }
    for (const workers::ema::ClassicEmaOptions& earlier : tracks) {
      if (earlier.name == options.name) {
        throw config::ConfigError("config key '" + path + ".name': another track is named '" + options.name + "'");
      }
    }
    tracks.push_back(options);
  }
}

// dit-energy's MCMC refinement: mcmc_steps_base, mcmc_step_size, mcmc (false = none).
void read_mcmc_controls(config::ConfigReader& reader, models::McmcSamplerControls& controls) {
  reader.optional("mcmc_steps_base", controls.steps_base);
  reader.optional("mcmc_step_size", controls.step_size);
  bool mcmc = !controls.off;
  reader.optional("mcmc", mcmc);
  controls.off = !mcmc;
  try {
    controls.validate();
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError("config keys '" + reader.key_path("mcmc_*") + "': " + e.what());
  }
}

void read_ema(config::ConfigReader reader, int64_t batch, workers::ema::EmaConfig& config) {
  reader.optional("stds", config.stds);
  reader.optional("snapshot_every_kimg", config.snapshot_every_kimg);
  reader.optional("preview_track", config.preview_track);
  read_classic_ema(reader, batch, config.classic);
  config::ConfigReader preview = reader.child("preview");
  preview.optional("per_class", config.preview.per_class);
  preview.optional("num_steps", config.preview.num_steps);
  preview.optional("guidance", config.preview.guidance);
  preview.optional("seed", config.preview.seed);
  preview.optional("at_snapshots", config.preview.at_snapshots);
  read_mcmc_controls(preview, config.preview.mcmc);
  preview.optional("num_iter", config.preview.masked.num_iter);
  preview.optional("temperature", config.preview.masked.temperature);
  preview.finish();
  try {
    config.preview.masked.validate();
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError(std::string("config section 'ema.preview': ") + e.what());
  }
  reader.finish();
  if (config.stds.empty()) throw config::ConfigError("config key 'ema.stds' must list at least one std");
  if (config.preview_track >= config.stds.size()) {
    throw config::ConfigError("config key 'ema.preview_track' must index 'ema.stds'");
  }
}

void read_run(config::ConfigReader reader, RunControlConfig& config) {
  reader.optional("duration_kimg", config.duration_kimg);
  reader.optional("stop_at_step", config.stop_at_step);
  std::map<std::string, int> threads;
  reader.optional("threads", threads);
  require_role_keys(threads, "run.threads", true);
  if (threads.count("evaluator") > 0) {
    throw config::ConfigError("config key 'run.threads.evaluator': an evaluator's threads are set by 'eval.threads'");
  }
  for (const auto& [role, count] : threads) config.threads[role] = count;
  std::map<std::string, int> nice;
  reader.optional("nice", nice);
  require_role_keys(nice, "run.nice", true);
  for (const auto& [role, value] : nice) {
    if (value < 0 || value > 19) {
      throw config::ConfigError("config key 'run.nice." + role + "' must be in [0, 19] (raising priority needs root)");
    }
    config.nice[role] = value;
  }
  reader.optional("idle_wait_max_ms", config.idle_wait_max_ms);
  reader.optional("heartbeat_interval_s", config.heartbeat_interval_s);
  reader.optional("liveness_timeout_s", config.liveness_timeout_s);
  reader.optional("status_host", config.status_host);
  reader.optional("status_port", config.status_port);
  reader.optional("max_restarts", config.max_restarts);
  reader.optional("restart_backoff_s", config.restart_backoff_s);
  reader.optional("restart_backoff_max_s", config.restart_backoff_max_s);
  reader.optional("keep_last_checkpoints", config.keep_last_checkpoints);
  reader.optional("keep_checkpoints_every_steps", config.keep_checkpoints_every_steps);
  reader.optional("join_host", config.join_host);
  reader.optional("join_port", config.join_port);
  reader.finish();
  require_positive(config.idle_wait_max_ms, "run", "idle_wait_max_ms");
  require_port(config.join_port, "join_port");
  require_port(config.status_port, "status_port", true);
  require_ip_address(config.join_host, "join_host");
  require_ip_address(config.status_host, "status_host");
  if (config.max_restarts < 0) throw config::ConfigError("config key 'run.max_restarts' must be >= 0");
  if (config.restart_backoff_s < 0 || config.restart_backoff_max_s < config.restart_backoff_s) {
    throw config::ConfigError("config keys 'run.restart_backoff_s' and 'run.restart_backoff_max_s' must satisfy "
                      "0 <= restart_backoff_s <= restart_backoff_max_s");
  }
  if (config.keep_last_checkpoints == 1 || config.keep_last_checkpoints < 0) {
    // One pair is not enough: if the newest turns out corrupted there is nothing to fall back to.
    throw config::ConfigError("config key 'run.keep_last_checkpoints' must be 0 (keep all) or at least 2");
  }
  if (config.keep_checkpoints_every_steps < 0) {
    throw config::ConfigError("config key 'run.keep_checkpoints_every_steps' must be >= 0");
  }
}

// The sampler settings against the family, as sampling would check them (so a bad
// combination fails here, not in the first evaluation).
void check_eval_sampling(const EvaluationConfig& config, const models::ModelSpec& model) {
  if (model.samplers() != models::edm_family_samplers()) {
    if (config.edm.any() || !config.guide_snapshot.empty()) {
      throw config::ConfigError("config section 'eval': EDM's sampler controls, 'schedule' and 'guide_snapshot' "
                                "apply to the EDM-preconditioned families only (set: " +
                                (config.edm.any() ? config.edm.describe() : "guide_snapshot") + ")");
    }
    return;
  }
  models::SamplingOptions options;
  options.sampler = config.sampler;
  options.steps = config.steps;
  options.guidance.weight = config.guidance;
  options.guidance.ramp = config.guidance_ramp == "linear" ? models::GuidanceRamp::linear
                                                            : models::GuidanceRamp::constant;
  options.edm = config.edm;
  try {
    models::check_edm_family_sampling(options, model.label_dim(), !config.guide_snapshot.empty());
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError(std::string("config section 'eval': ") + e.what());
  }
}

void read_eval(config::ConfigReader reader, EvaluationConfig& config, const workers::ema::EmaConfig& ema,
               const models::ModelSpec& model) {
  reader.optional("enabled", config.enabled);
  reader.optional("protocol", config.protocol);
  if (!config.protocol.empty()) {
    try {
      config.num_images = workers::evaluator::evaluation_protocol(config.protocol).images;
    } catch (const std::invalid_argument& e) {
      throw config::ConfigError(std::string("config key 'eval.protocol': ") + e.what());
    }
  }
  reader.optional("num_images", config.num_images);
  reader.optional("part_images", config.part_images);
  if (reader.has("ema") && reader.has("ema_std")) {
    throw config::ConfigError("config keys 'eval.ema' and 'eval.ema_std' both choose the EMA track; set one");
  }
  reader.optional("ema", config.ema);
  reader.optional("ema_std", config.ema_std);
  reader.optional("sampler", config.sampler);
  reader.optional("steps", config.steps);
  reader.optional("guidance", config.guidance);
  reader.optional("guidance_ramp", config.guidance_ramp);
  reader.optional("guidance_interval", config.guidance_interval);
  reader.optional("time_shift", config.time_shift);
  reader.optional("rho", config.edm.rho);
  reader.optional("sigma_min", config.edm.sigma_min);
  reader.optional("sigma_max", config.edm.sigma_max);
  reader.optional("churn", config.edm.S_churn);
  reader.optional("s_min", config.edm.S_min);
  reader.optional("s_max", config.edm.S_max);
  reader.optional("s_noise", config.edm.S_noise);
  read_mcmc_controls(reader, config.mcmc);
  reader.optional("num_iter", config.masked.num_iter);
  reader.optional("temperature", config.masked.temperature);
  reader.optional("guide_snapshot", config.guide_snapshot);
  reader.optional("guide_std", config.guide_std);
  std::string schedule;
  reader.optional("schedule", schedule);
  if (!schedule.empty()) {
    config.edm.sigmas = read_schedule_file(schedule);
    const auto levels = static_cast<int64_t>(config.edm.sigmas.size());
    if (reader.has("steps") && config.steps != levels) {
      throw config::ConfigError(fmt::format("config key 'eval.steps' ({}) differs from the {} noise levels of "
                                            "'eval.schedule' ('{}')", config.steps, levels, schedule));
    }
    config.steps = levels;
  }
  reader.optional("batch", config.batch);
  reader.optional("features", config.features);
  reader.optional("reference", config.reference);
  reader.optional("lease_timeout_s", config.lease_timeout_s);
  reader.optional("max_pending", config.max_pending);
  reader.optional("threads", config.threads);
  reader.optional("final_wait_s", config.final_wait_s);
  reader.finish();
  auto positive = [](double value, const char* key) { require_positive(value, "eval", key); };
  positive(static_cast<double>(config.num_images), "num_images");
  positive(static_cast<double>(config.part_images), "part_images");
  positive(static_cast<double>(config.steps), "steps");
  positive(static_cast<double>(config.batch), "batch");
  positive(config.lease_timeout_s, "lease_timeout_s");
  positive(config.max_pending, "max_pending");
  positive(config.threads, "threads");
  if (config.final_wait_s < 0) throw config::ConfigError("config key 'eval.final_wait_s' must not be negative");
  try {
    config.sampler = models::resolve_sampler(model.samplers(), config.sampler);
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError(std::string("config key 'eval.sampler': ") + e.what());
  }
  require_positive(config.time_shift, "eval", "time_shift");
  try {
    config.edm.validate();
    config.masked.validate();
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError(std::string("config section 'eval': ") + e.what());
  }
  if (!config.guide_snapshot.empty()) {
    if (!std::filesystem::is_regular_file(config.guide_snapshot)) {
      throw config::ConfigError("config key 'eval.guide_snapshot': no file '" + config.guide_snapshot + "'");
    }
    config.guide_snapshot = std::filesystem::absolute(config.guide_snapshot).string();
  }
  if (config.guidance_ramp != "constant" && config.guidance_ramp != "linear") {
    throw config::ConfigError("config key 'eval.guidance_ramp' must be 'constant' or 'linear', not '" +
                              config.guidance_ramp + "'");
  }
  if (!config.guidance_interval.empty() &&
      (config.guidance_interval.size() != 2 || !(config.guidance_interval[0] < config.guidance_interval[1]))) {
    throw config::ConfigError("config key 'eval.guidance_interval' must be [low, high] with low < high");
  }
  check_eval_sampling(config, model);
  if (!config.ema.empty()) {
    const bool kept = std::any_of(ema.classic.begin(), ema.classic.end(),
                                  [&](const workers::ema::ClassicEmaOptions& track) { return track.name == config.ema; });
    if (!kept) {
      throw config::ConfigError("config key 'eval.ema' ('" + config.ema + "') must name a track of 'ema.classic'");
    }
  } else if (std::find(ema.stds.begin(), ema.stds.end(), config.ema_std) == ema.stds.end()) {
    throw config::ConfigError("config key 'eval.ema_std' (" + std::to_string(config.ema_std) +
                      ") must be one of 'ema.stds'");
  }
}

}  // namespace

int64_t RunConfig::total_steps() const {
  return static_cast<int64_t>(std::ceil(run.duration_kimg * 1000 / trainer.batch));
}

int64_t RunConfig::last_step() const {
  return run.stop_at_step > 0 ? std::min(run.stop_at_step, total_steps()) : total_steps();
}

int RunConfig::threads_of(const std::string& role) const {
  if (role == "evaluator") return eval.threads;
  const auto found = run.threads.find(role);
  return found == run.threads.end() ? 1 : found->second;
}

int RunConfig::nice_of(const std::string& role) const {
  const auto found = run.nice.find(role);
  return found == run.nice.end() ? 0 : found->second;
}

RunConfig parse_run_config(const nlohmann::json& document) {
  RunConfig config;
  config::ConfigReader reader(document, "");
  reader.optional("seed", config.seed);
  read_dataset(reader.child("dataset"), config.dataset);
  reader.optional("roles", config.roles);
  require_role_keys(config.roles, "roles", false);
  nlohmann::json loss = nlohmann::json::object();
  read_trainer(reader.child("trainer"), config.trainer, loss);
  nlohmann::json model = nlohmann::json::object();
  reader.required("model", model);
  config.model = models::parse_model_spec(model, "model", loss, "trainer.loss");
  read_ema(reader.child("ema"), config.trainer.batch, config.ema);
  read_run(reader.child("run"), config.run);
  read_eval(reader.child("eval"), config.eval, config.ema, *config.model);
  reader.finish();
  config.document = document;
  return config;
}

std::string training_hash(const nlohmann::json& document) {
  nlohmann::json training = document;
  training.erase("run");
  training.erase("eval");
  if (training.contains("roles") && training["roles"].is_object()) training["roles"].erase("evaluator");
  return config_hash(training);
}

bool outside_training_hash(const std::string& key) {
  return key.rfind("run.", 0) == 0 || key.rfind("eval.", 0) == 0 || key == "roles.evaluator";
}

}  // namespace dact::launch
