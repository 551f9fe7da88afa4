#include "launch/latent/autoencoder_export.h"

#include "config/config_error.h"
#include "launch/run_setup.h"
#include "models/latent/autoencoder_weights.h"
#include "storage/run_directory.h"
#include "storage/storage_error.h"
#include "workers/ema/ema_snapshot.h"

namespace dact::launch {

void export_autoencoder_weights(const RunConfig& run, const std::string& run_dir, const std::string& out) {
  const std::string arch = run.document.at("model").value("arch", "edm2-precond");
  if (arch != "kl-autoencoder") {
    throw config::ConfigError(run_dir + ": config key 'model.arch' is '" + arch +
                              "'; only a 'kl-autoencoder' run exports autoencoder weights");
  }
  const int64_t step = find_resume_step(run_dir, training_hash(run.document));
  if (step == 0) throw storage::StorageError(run_dir, "holds no checkpoint that verifies; nothing to export");
  const workers::ema::EmaSnapshot state =
      workers::ema::read_ema_snapshot(storage::RunDirectory(run_dir).ema_state_path(step));
  nlohmann::json config = state.model;
  config.erase("arch");  // the file's config holds the network's constructor arguments only
  models::latent::write_autoencoder_weights(
      out, config, workers::ema::chosen_track_state_dict(state, run.eval.ema_std, run.eval.ema));
}

}  // namespace dact::launch
