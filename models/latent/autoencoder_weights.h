#pragma once
// A KL autoencoder weights file as tools/export_state_dict.py writes it (HDF5:
// attributes `architecture` = "kl-autoencoder" and `config` = the JSON constructor
// arguments, tensors weights/<state-dict name>), loaded into a network, with the
// fingerprint that latent datasets and snapshots record to name the weights they were
// made with.
//
//   LoadedAutoencoder ae = load_autoencoder_weights("kl16.h5", nullptr);  // the file's config
//   KlPosterior posterior = ae.model->encode(images);
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "models/autoencoder/kl_autoencoder.h"

namespace dact::models::latent {

struct LoadedAutoencoder {
  std::string path;
  // The constructor arguments it was built from (as given: e.g. {"preset": "mar-kl16"}
  // or every key), readable again by read_kl_autoencoder_arguments.
  nlohmann::json config;
  std::string fingerprint;  // weights_fingerprint of weights/*: 16 hex digits
  autoencoder::KlAutoencoder model{nullptr};  // eval mode
};

// `config` null = the file's `config` attribute (an error naming the file when it has
// none). Throws storage::StorageError naming the file for a missing or unreadable file,
// another architecture, a config the network cannot be built from, or weights that do
// not fit it.
LoadedAutoencoder load_autoencoder_weights(const std::string& path, const nlohmann::json& config);

// Writes `weights` (a state dict) and `config` in that layout, atomically (temp name,
// fsync, rename: a crash leaves the old file or none, never a partial one). Throws
// storage::StorageError naming `path`.
void write_autoencoder_weights(const std::string& path, const nlohmann::json& config,
                               const std::map<std::string, torch::Tensor>& weights);

// The fingerprint alone (reads every tensor of weights/*); errors as above.
std::string autoencoder_fingerprint(const std::string& path);

// `--autoencoder-config` as a user gives it: a JSON file, or a preset name
// (kl_autoencoder_config_names()) as {"preset": name}. Neither = std::invalid_argument.
nlohmann::json autoencoder_config_argument(const std::string& file_or_preset);

}  // namespace dact::models::latent
