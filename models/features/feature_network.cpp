#include "models/features/feature_network.h"

#include <nlohmann/json.hpp>

#include "models/features/fashion_classifier.h"
#include "models/features/fid_inception_v3.h"
#include "models/features/weights_fingerprint.h"
#include "models/state_dict.h"
#include "storage/h5_tensor_io.h"
#include "storage/storage_error.h"
#include "storage/tensor_file.h"

namespace dact::models::features {
namespace {

struct StoredNetwork {
  std::string architecture;
  nlohmann::json config = nlohmann::json::object();
  std::map<std::string, torch::Tensor> weights;
};

nlohmann::json parse_config(const std::string& text, const std::string& path) {
  try {
    return text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw storage::StorageError(path, std::string("attribute 'config' is not JSON: ") + e.what());
  }
}

// Either layout: a dact tensor file (metadata architecture/config) or the
// weight-interchange layout of tools/export_state_dict.py.
StoredNetwork read_stored_network(const std::string& path) {
  StoredNetwork stored;
  bool is_tensor_file = false;
  {
    const H5::H5File file = storage::open_h5_for_reading(path);
    is_tensor_file = file.attrExists("format");
    if (!is_tensor_file) {
      if (!file.attrExists("architecture")) {
        throw storage::StorageError(path, "no feature-network weights: neither a dact tensor file nor the "
                                          "interchange layout (attribute 'architecture', group 'weights')");
      }
      stored.architecture = storage::read_h5_string_attribute(file, "architecture");
      if (file.attrExists("config")) stored.config = parse_config(storage::read_h5_string_attribute(file, "config"), path);
      if (!storage::h5_has_path(file, "weights")) throw storage::StorageError(path, "missing group 'weights'");
      stored.weights = storage::read_h5_tensors(file.openGroup("weights"));
    }
  }
  if (is_tensor_file) {
    storage::TensorFile contents = storage::read_tensor_file(path);
    if (!contents.metadata.contains("architecture") || !contents.metadata["architecture"].is_string()) {
      throw storage::StorageError(path, "metadata has no string 'architecture'");
    }
    stored.architecture = contents.metadata["architecture"].get<std::string>();
    if (contents.metadata.contains("config")) stored.config = contents.metadata["config"];
    stored.weights = std::move(contents.tensors);
  }
  return stored;
}

}  // namespace

std::unique_ptr<FeatureNetwork> load_feature_network(const std::string& weights_path,
                                                     const FeatureNetworkOptions& options) {
  StoredNetwork stored = read_stored_network(weights_path);
  const std::string hash = weights_fingerprint(stored.weights);
  try {
    if (stored.architecture == kInceptionV3Architecture) {
      std::string preprocess = options.inception_preprocess;
      if (preprocess.empty()) preprocess = stored.config.value("preprocess", std::string("tf1"));
      return make_fid_inception_v3(stored.weights, parse_inception_preprocess(preprocess), weights_path, hash);
    }
    if (stored.architecture == kFashionClassifierArchitecture) {
      FashionClassifier net(fashion_classifier_config_from_json(stored.config));
      load_state_dict(*net, stored.weights);
      return make_fashion_classifier_features(std::move(net), hash);
    }
  } catch (const StateDictError& e) {
    throw storage::StorageError(weights_path, e.what());
  } catch (const std::invalid_argument& e) {
    throw storage::StorageError(weights_path, e.what());
  } catch (const nlohmann::json::exception& e) {
    throw storage::StorageError(weights_path, std::string("config: ") + e.what());
  }
  throw storage::StorageError(weights_path, "unknown feature network architecture '" + stored.architecture +
                                                "' (expected " + kInceptionV3Architecture + " or " +
                                                kFashionClassifierArchitecture + ")");
}

}  // namespace dact::models::features
