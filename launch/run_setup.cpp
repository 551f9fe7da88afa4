#include "launch/run_setup.h"

#include <glog/logging.h>

#include <filesystem>
#include <functional>

#include "launch/config/config_document.h"
#include "launch/latent/latent_run_setup.h"
#include "storage/atomic_file.h"
#include "storage/dataset_convert.h"
#include "storage/dataset_verify.h"
#include "storage/run_directory.h"
#include "storage/shard_manifest.h"
#include "storage/storage_error.h"
#include "workers/ema/ema_snapshot.h"
#include "workers/trainer/training_checkpoint.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

void apply_request_overrides(nlohmann::json& document, const TrainRequest& request, bool resuming) {
  for (const std::string& assignment : request.overrides) {
    const std::string key = assignment.substr(0, assignment.find('='));
    nlohmann::json changed = document;
    apply_override(changed, assignment);
    // Repeating a training setting with its stored value is allowed: dataset.encode_from
    // resumes its autoencoder run with the same overrides that started it.
    if (resuming && !outside_training_hash(key) && changed != document) {
      throw config::ConfigError("override '" + assignment + "': " + request.run_dir +
                                " already holds a run with another value; only run.*, eval.* and roles.evaluator "
                                "may change when resuming");
    }
    document = std::move(changed);
  }
  if (request.duration_kimg > 0) document["run"]["duration_kimg"] = request.duration_kimg;
}

// Converts config.dataset.convert_from into the dataset directory's parent folder.
void convert_dataset_for(const RunConfig& config) {
  const std::string& dir = config.dataset.dir;
  if (config.dataset.convert_from.empty()) {
    throw config::ConfigError("dataset.dir '" + dir + "' holds no dataset (manifest.json) and dataset.convert_from is empty");
  }
  const std::string dest = fs::path(dir).parent_path().string();
  LOG(INFO) << "converting " << config.dataset.convert_from << " into " << dest;
  storage::ConvertOptions options;
  options.resolution = config.dataset.resolution;
  storage::convert_dataset(config.dataset.convert_from, dest, options);
  if (!storage::is_dataset_dir(dir)) {
    throw config::ConfigError("converting " + config.dataset.convert_from + " did not produce dataset.dir '" + dir + "'");
  }
}

// Runs `read(path)`; any failure to read or interpret the file (a JSON type error, an
// allocation, ...) becomes a StorageError naming it, so the caller skips that file.
void read_as_storage_error(const std::string& path, const std::function<void(const std::string&)>& read) {
  try {
    read(path);
  } catch (const storage::StorageError&) {
    throw;
  } catch (const std::exception& e) {
    throw storage::StorageError(path, std::string("cannot be interpreted: ") + e.what());
  }
}

}  // namespace

RunConfig load_run_config(const std::string& run_dir) {
  const storage::RunDirectory run(run_dir);
  const nlohmann::json stored = load_config_file(run.config_path());
  if (!stored.contains("config") || !stored.contains("training_hash")) {
    throw config::ConfigError(run.config_path() + ": not a dact run config (keys 'config', 'training_hash')");
  }
  RunConfig config = parse_run_config(stored.at("config"));
  if (training_hash(config.document) != stored.at("training_hash").get<std::string>()) {
    throw config::ConfigError(run.config_path() + ": training_hash does not match its config (edited by hand?)");
  }
  return config;
}

RunConfig resolve_run_config(const TrainRequest& request) {
  const storage::RunDirectory run(request.run_dir);
  const bool resuming = fs::exists(run.config_path());
  nlohmann::json document;
  if (resuming) {
    document = load_run_config(request.run_dir).document;
    LOG(INFO) << "resuming the run in " << request.run_dir << " under its stored config";
  } else if (!request.config_file.empty()) {
    document = load_config_file(request.config_file);
  } else {
    document = load_preset(request.preset.empty() ? "fashion-mnist" : request.preset);
  }
  apply_request_overrides(document, request, resuming);
  return parse_run_config(document);
}

RunConfig record_run_config(const std::string& run_dir, const RunConfig& resolved) {
  nlohmann::json document = resolved.document;
  freeze_latent_statistics(document, resolved);
  const RunConfig config = parse_run_config(document);
  const storage::RunDirectory run(run_dir);
  run.create();
  const nlohmann::json stored = {{"training_hash", training_hash(config.document)}, {"config", config.document}};
  storage::write_file_atomically(run.config_path(), stored.dump(2) + "\n");
  return config;
}

void ensure_dataset(const RunConfig& config) {
  const std::string& dir = config.dataset.dir;
  if (!storage::is_dataset_dir(dir)) convert_dataset_for(config);
  // A corrupt or truncated shard fails every world the same way: stop here, not after
  // max_restarts worlds.
  const storage::VerifyReport report = storage::verify_dataset(dir);
  if (!report.ok()) {
    std::string problems;
    for (const std::string& problem : report.problems) problems += "\n  " + problem;
    throw storage::StorageError(dir, "the dataset fails verification (`dact dataset verify " + dir + "`):" + problems);
  }
}

void verify_checkpoint(const std::string& run_dir, int64_t step, const std::string& config_hash) {
  const storage::RunDirectory run(run_dir);
  read_as_storage_error(run.checkpoint_path(step), [&](const std::string& path) {
    const int64_t stored_step = workers::trainer::read_training_checkpoint(path, config_hash).step;
    if (stored_step != step) {
      throw storage::StorageError(path, "holds step " + std::to_string(stored_step) + ", its name says " +
                                            std::to_string(step));
    }
  });
  read_as_storage_error(run.ema_state_path(step), [&](const std::string& path) {
    if (!fs::exists(path)) throw storage::StorageError(path, "missing (the EMA actor did not write it)");
    const workers::ema::EmaSnapshot ema = workers::ema::read_ema_snapshot(path);
    if (ema.config_hash != config_hash) throw storage::StorageError(path, "EMA state of another config");
  });
}

int64_t find_resume_step(const std::string& run_dir, const std::string& config_hash) {
  const storage::RunDirectory run(run_dir);
  for (int64_t step : run.checkpoint_steps()) {
    try {
      verify_checkpoint(run_dir, step, config_hash);
      return step;
    } catch (const storage::StorageError& e) {
      LOG(WARNING) << "skipping checkpoint of step " << step << ": " << e.what();
    }
  }
  return 0;
}

}  // namespace dact::launch
