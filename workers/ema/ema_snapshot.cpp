#include "workers/ema/ema_snapshot.h"

#include "storage/storage_error.h"

namespace dact::workers::ema {
namespace {

constexpr const char* kBufferPrefix = "buffer/";

std::string track_prefix(size_t index) { return "ema/" + std::to_string(index) + "/"; }

}  // namespace

void write_ema_snapshot(const std::string& path, const EmaSnapshot& snapshot) {
  storage::TensorFile file;
  for (size_t i = 0; i < snapshot.tracks.size(); ++i) {
    for (const auto& [name, tensor] : snapshot.tracks[i]) file.tensors[track_prefix(i) + name] = tensor;
  }
  for (const auto& [name, tensor] : snapshot.buffers) file.tensors[kBufferPrefix + name] = tensor;
  file.metadata = {{"kind", "ema-snapshot"},   {"step", snapshot.step},
                   {"nimg", snapshot.nimg},    {"stds", snapshot.stds},
                   {"model", snapshot.model},  {"config_hash", snapshot.config_hash}};
  storage::write_tensor_file(path, file);
}

EmaSnapshot read_ema_snapshot(const std::string& path) {
  const storage::TensorFile file = storage::read_tensor_file(path);
  if (file.metadata.value("kind", "") != "ema-snapshot") {
    throw storage::StorageError(path, "not an EMA snapshot (metadata 'kind')");
  }
  EmaSnapshot snapshot;
  try {
    snapshot.step = file.metadata.at("step").get<int64_t>();
    snapshot.nimg = file.metadata.at("nimg").get<int64_t>();
    snapshot.stds = file.metadata.at("stds").get<std::vector<double>>();
    snapshot.model = file.metadata.at("model");
    snapshot.config_hash = file.metadata.at("config_hash").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw storage::StorageError(path, std::string("bad snapshot metadata: ") + e.what());
  }
  snapshot.tracks.resize(snapshot.stds.size());
  for (const auto& [name, tensor] : file.tensors) {
    if (name.rfind(kBufferPrefix, 0) == 0) {
      snapshot.buffers[name.substr(std::string(kBufferPrefix).size())] = tensor;
      continue;
    }
    bool placed = false;
    for (size_t i = 0; i < snapshot.tracks.size() && !placed; ++i) {
      if (name.rfind(track_prefix(i), 0) == 0) {
        snapshot.tracks[i][name.substr(track_prefix(i).size())] = tensor;
        placed = true;
      }
    }
    if (!placed) throw storage::StorageError(path, "unexpected tensor '" + name + "'");
  }
  return snapshot;
}

storage::NamedTensors snapshot_state_dict(const EmaSnapshot& snapshot, size_t index) {
  storage::NamedTensors state = snapshot.tracks.at(index);
  state.insert(snapshot.buffers.begin(), snapshot.buffers.end());
  return state;
}

}  // namespace dact::workers::ema
