#include "launch/latent/encoded_dataset_stages.h"

#include <glog/logging.h>

#include <filesystem>

#include "config/config_error.h"
#include "launch/latent/autoencoder_export.h"
#include "launch/latent/dataset_encode.h"
#include "launch/training_run.h"
#include "models/latent/autoencoder_weights.h"
#include "storage/shard_manifest.h"
#include "storage/storage_error.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

TrainRequest autoencoder_request(const AutoencoderRunConfig& run) {
  TrainRequest request;
  request.run_dir = run.run_dir;
  request.preset = run.preset;
  request.config_file = run.config;
  request.overrides = run.overrides;
  return request;
}

// Before training: the run must give what `dact dataset encode` reads, and train on
// data that exists without this stage.
void check_autoencoder_run(const RunConfig& run) {
  const std::string arch = run.document.at("model").value("arch", "edm2-precond");
  if (arch != "kl-autoencoder") {
    throw config::ConfigError("config key 'dataset.encode_from.autoencoder_run' trains model.arch '" + arch +
                              "'; only a 'kl-autoencoder' run gives the weights `dact dataset encode` takes");
  }
  if (run.dataset.encode_from) {
    throw config::ConfigError("config key 'dataset.encode_from.autoencoder_run' names a run with a "
                              "dataset.encode_from of its own; train the autoencoder on pixels");
  }
}

// Stage 1: the weights file.
SupervisedEnd ensure_autoencoder_weights(const EncodeFromConfig& from, const std::string& mpirun_args) {
  const std::string& path = from.autoencoder;
  if (fs::exists(path)) {
    try {
      models::latent::load_autoencoder_weights(path, nullptr);
      return SupervisedEnd::kFinished;
    } catch (const storage::StorageError& e) {
      if (!from.autoencoder_run) {
        throw config::ConfigError(std::string("config key 'dataset.encode_from.autoencoder': ") + e.what());
      }
      LOG(WARNING) << e.what() << "; exporting it again from " << from.autoencoder_run->run_dir;
    }
  } else if (!from.autoencoder_run) {
    throw config::ConfigError("config key 'dataset.encode_from.autoencoder': no file '" + path +
                              "', and no 'dataset.encode_from.autoencoder_run' to train one");
  }
  const TrainRequest request = autoencoder_request(*from.autoencoder_run);
  check_autoencoder_run(resolve_run_config(request));
  LOG(INFO) << "training the autoencoder for " << path << " in " << request.run_dir
            << " (dataset.encode_from.autoencoder_run)";
  if (train_run(request, mpirun_args) == SupervisedEnd::kStopped) return SupervisedEnd::kStopped;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  export_autoencoder_weights(load_run_config(request.run_dir), request.run_dir, path);
  LOG(INFO) << "exported the autoencoder of " << request.run_dir << " to " << path;
  return SupervisedEnd::kFinished;
}

// Stage 2: the latent shards.
void ensure_latent_shards(const RunConfig& config) {
  const EncodeFromConfig& from = *config.dataset.encode_from;
  const std::string& dest = config.dataset.dir;
  if (storage::is_dataset_dir(dest)) return;  // ensure_dataset verifies it
  if (!storage::is_dataset_dir(from.source)) {
    throw config::ConfigError("config key 'dataset.encode_from.source': '" + from.source +
                              "' holds no dataset (manifest.json); make it with `dact dataset convert` (an "
                              "autoencoder_run with dataset.convert_from makes its own)");
  }
  EncodeOptions options;
  options.autoencoder = from.autoencoder;
  options.flip = from.flip;
  options.batch = from.batch;
  options.max_shards = from.max_shards;
  options.dtype = from.dtype == "float16" ? torch::kFloat16 : torch::kFloat32;
  LOG(INFO) << "encoding " << from.source << " into " << dest << " with " << from.autoencoder
            << " (dataset.encode_from)";
  encode_dataset(from.source, dest, options, [](const std::string& line) { LOG(INFO) << line; });
}

}  // namespace

SupervisedEnd ensure_encoded_dataset(const RunConfig& config, const std::string& mpirun_args) {
  if (ensure_autoencoder_weights(*config.dataset.encode_from, mpirun_args) == SupervisedEnd::kStopped) {
    return SupervisedEnd::kStopped;
  }
  ensure_latent_shards(config);
  return SupervisedEnd::kFinished;
}

}  // namespace dact::launch
