#include "workers/trainer/training_checkpoint.h"

#include "storage/storage_error.h"

namespace dact::workers::trainer {
namespace {

constexpr const char* kModelPrefix = "model/";
constexpr const char* kOptimizerPrefix = "adam/";

storage::NamedTensors with_prefix_removed(const storage::NamedTensors& tensors,
                                          const std::string& prefix) {
  storage::NamedTensors result;
  for (const auto& [name, tensor] : tensors) {
    if (name.rfind(prefix, 0) == 0) result.emplace(name.substr(prefix.size()), tensor);
  }
  return result;
}

}  // namespace

void write_training_checkpoint(const std::string& path, const TrainingCheckpoint& checkpoint,
                               const std::string& config_hash) {
  storage::TensorFile file;
  for (const auto& [name, tensor] : checkpoint.model) file.tensors[kModelPrefix + name] = tensor;
  for (const auto& [name, tensor] : checkpoint.optimizer) file.tensors[kOptimizerPrefix + name] = tensor;
  file.metadata = {{"kind", "training-checkpoint"},
                   {"step", checkpoint.step},
                   {"nonfinite_steps_skipped", checkpoint.nonfinite_steps_skipped},
                   {"last_ema_nimg", checkpoint.last_ema_nimg},
                   {"config_hash", config_hash}};
  storage::write_tensor_file(path, file);
}

TrainingCheckpoint read_training_checkpoint(const std::string& path, const std::string& config_hash) {
  const storage::TensorFile file = storage::read_tensor_file(path);
  if (!file.metadata.is_object() || file.metadata.value("kind", "") != "training-checkpoint") {
    throw storage::StorageError(path, "not a training checkpoint (metadata 'kind')");
  }
  const nlohmann::json stored_hash_json = file.metadata.value("config_hash", nlohmann::json());
  const std::string stored_hash = stored_hash_json.is_string() ? stored_hash_json.get<std::string>() : "";
  if (stored_hash != config_hash) {
    throw storage::StorageError(path, "written with config hash " + stored_hash +
                                          ", this run has " + config_hash);
  }
  TrainingCheckpoint checkpoint;
  try {
    checkpoint.step = file.metadata.at("step").get<int64_t>();
    checkpoint.nonfinite_steps_skipped = file.metadata.at("nonfinite_steps_skipped").get<int64_t>();
    checkpoint.last_ema_nimg = file.metadata.value("last_ema_nimg", int64_t{-1});
  } catch (const nlohmann::json::exception& e) {
    throw storage::StorageError(path, std::string("bad training checkpoint metadata: ") + e.what());
  }
  checkpoint.model = with_prefix_removed(file.tensors, kModelPrefix);
  checkpoint.optimizer = with_prefix_removed(file.tensors, kOptimizerPrefix);
  return checkpoint;
}

}  // namespace dact::workers::trainer
