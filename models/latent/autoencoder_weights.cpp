#include "models/latent/autoencoder_weights.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "models/features/weights_fingerprint.h"
#include "models/state_dict.h"
#include "storage/atomic_file.h"
#include "storage/h5_error.h"
#include "storage/h5_tensor_io.h"
#include "storage/storage_error.h"

namespace dact::models::latent {
namespace {

constexpr const char* kAutoencoderArchitecture = "kl-autoencoder";

struct AutoencoderFileContents {
  nlohmann::json config;  // null when the file has no `config` attribute
  std::map<std::string, torch::Tensor> weights;
};

AutoencoderFileContents read_autoencoder_file(const std::string& path) {
  std::lock_guard<std::recursive_mutex> lock(storage::hdf5_mutex());
  const H5::H5File file = storage::open_h5_for_reading(path);
  if (file.attrExists("architecture")) {
    const std::string architecture = storage::read_h5_string_attribute(file, "architecture");
    if (architecture != kAutoencoderArchitecture) {
      throw storage::StorageError(path, "attribute 'architecture' is '" + architecture + "', expected '" +
                                            kAutoencoderArchitecture + "'");
    }
  }
  if (!storage::h5_has_path(file, "weights")) {
    throw storage::StorageError(path, "missing group 'weights' (export it with tools/export_state_dict.py "
                                      "--architecture kl-autoencoder)");
  }
  AutoencoderFileContents contents;
  if (file.attrExists("config")) {
    const std::string text = storage::read_h5_string_attribute(file, "config");
    try {
      contents.config = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw storage::StorageError(path, std::string("attribute 'config' is not JSON: ") + e.what());
    }
  }
  contents.weights = storage::read_h5_tensors(file.openGroup("weights"));
  return contents;
}

}  // namespace

LoadedAutoencoder load_autoencoder_weights(const std::string& path, const nlohmann::json& config) {
  AutoencoderFileContents contents = read_autoencoder_file(path);
  LoadedAutoencoder loaded;
  loaded.path = path;
  loaded.config = config.is_null() ? contents.config : config;
  if (loaded.config.is_null()) {
    throw storage::StorageError(path, "no attribute 'config' (name the network with --autoencoder-config)");
  }
  autoencoder::KlAutoencoderConfig arguments;
  try {
    config::ConfigReader reader(loaded.config, "");
    autoencoder::read_kl_autoencoder_arguments(reader, arguments);
    reader.finish();
  } catch (const config::ConfigError& e) {
    throw storage::StorageError(path, std::string("autoencoder config: ") + e.what());
  }
  loaded.model = autoencoder::KlAutoencoder(arguments);
  try {
    load_state_dict(*loaded.model, contents.weights);
  } catch (const StateDictError& e) {
    throw storage::StorageError(path, std::string("weights do not fit the autoencoder config: ") + e.what());
  }
  loaded.model->eval();
  loaded.fingerprint = features::weights_fingerprint(contents.weights);
  return loaded;
}

void write_autoencoder_weights(const std::string& path, const nlohmann::json& config,
                               const std::map<std::string, torch::Tensor>& weights) {
  storage::AtomicFile file(path);
  {
    std::lock_guard<std::recursive_mutex> lock(storage::hdf5_mutex());
    try {
      H5::H5File out(file.temp_path(), H5F_ACC_TRUNC);
      storage::write_h5_string_attribute(out, "architecture", kAutoencoderArchitecture);
      storage::write_h5_string_attribute(out, "config", config.dump());
      for (const auto& [name, tensor] : weights) {
        storage::write_h5_tensor(out, "weights/" + name, tensor.detach().cpu().contiguous());
      }
    } catch (const H5::Exception& e) {
      throw storage::StorageError(path, "cannot write autoencoder weights (" + storage::h5_error_reason(e) + ")");
    }
  }
  file.commit();
}

std::string autoencoder_fingerprint(const std::string& path) {
  return features::weights_fingerprint(read_autoencoder_file(path).weights);
}

nlohmann::json autoencoder_config_argument(const std::string& file_or_preset) {
  if (std::filesystem::is_regular_file(file_or_preset)) {
    std::ifstream in(file_or_preset);
    try {
      return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw storage::StorageError(file_or_preset, std::string("invalid JSON: ") + e.what());
    }
  }
  const std::vector<std::string> presets = autoencoder::kl_autoencoder_config_names();
  if (std::find(presets.begin(), presets.end(), file_or_preset) != presets.end()) {
    return {{"preset", file_or_preset}};
  }
  std::string names;
  for (const std::string& name : presets) names += (names.empty() ? "" : ", ") + name;
  throw std::invalid_argument("--autoencoder-config '" + file_or_preset + "' is neither a JSON file nor a preset (" +
                              names + ")");
}

}  // namespace dact::models::latent
