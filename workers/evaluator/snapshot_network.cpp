#include "workers/evaluator/snapshot_network.h"

#include <stdexcept>

#include "models/state_dict.h"
#include "storage/storage_error.h"
#include "storage/tensor_file.h"
#include "workers/ema/ema_snapshot.h"

namespace dact::workers::evaluator {

std::unique_ptr<models::Model> load_snapshot_network(const std::string& snapshot_path, double ema_std,
                                                     const std::string& ema_name) {
  const ema::EmaSnapshot snapshot = ema::read_ema_snapshot(snapshot_path);
  storage::NamedTensors state;
  try {
    state = ema::chosen_track_state_dict(snapshot, ema_std, ema_name);
  } catch (const std::invalid_argument& e) {
    throw storage::StorageError(snapshot_path, e.what());
  }
  std::unique_ptr<models::Model> net;
  try {
    net = models::parse_model_spec(snapshot.model, "model")->build();
  } catch (const std::exception& e) {
    throw storage::StorageError(snapshot_path, std::string("model section: ") + e.what());
  }
  try {
    models::load_state_dict(net->module(), state);
  } catch (const models::StateDictError& e) {
    throw storage::StorageError(snapshot_path, e.what());
  }
  net->module().eval();
  return net;
}

std::shared_ptr<const models::ModelSpec> load_snapshot_model_spec(const std::string& snapshot_path) {
  const nlohmann::json metadata = storage::read_tensor_file_metadata(snapshot_path);
  if (!metadata.contains("model")) throw storage::StorageError(snapshot_path, "metadata has no model section");
  try {
    return models::parse_model_spec(metadata.at("model"), "model");
  } catch (const std::exception& e) {
    throw storage::StorageError(snapshot_path, std::string("model section: ") + e.what());
  }
}

std::shared_ptr<models::latent::PixelDecoder> load_snapshot_decoder(const std::string& snapshot_path) {
  const nlohmann::json metadata = storage::read_tensor_file_metadata(snapshot_path);
  return models::latent::load_pixel_decoder(metadata.value("image_decoder", nlohmann::json()), snapshot_path);
}

}  // namespace dact::workers::evaluator
