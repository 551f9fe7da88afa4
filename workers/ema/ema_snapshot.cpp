#include "workers/ema/ema_snapshot.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "storage/storage_error.h"

namespace dact::workers::ema {
namespace {

constexpr const char* kBufferPrefix = "buffer/";

std::string track_prefix(size_t index) { return "ema/" + std::to_string(index) + "/"; }

std::string classic_prefix(const std::string& name) { return "classic/" + name + "/"; }

nlohmann::json classic_metadata(const std::vector<StoredClassicEma>& classic) {
  nlohmann::json list = nlohmann::json::array();
  for (const StoredClassicEma& track : classic) {
    nlohmann::json entry{{"name", track.options.name},
                         {"decay", track.options.decay},
                         {"warmup", track.options.warmup},
                         {"step", track.step}};
    // Only half-life tracks carry their keys, so decay tracks keep the files they always had.
    if (track.options.halflife_kimg > 0) {
      entry["halflife_kimg"] = track.options.halflife_kimg;
      entry["rampup_ratio"] = track.options.rampup_ratio;
      entry["batch"] = track.options.batch;
    }
    list.push_back(std::move(entry));
  }
  return list;
}

std::vector<StoredClassicEma> classic_from_metadata(const nlohmann::json& list) {
  std::vector<StoredClassicEma> classic;
  for (const nlohmann::json& entry : list) {
    StoredClassicEma track;
    track.options.name = entry.at("name").get<std::string>();
    track.options.decay = entry.at("decay").get<double>();
    track.options.warmup = entry.at("warmup").get<bool>();
    track.options.halflife_kimg = entry.value("halflife_kimg", 0.0);
    track.options.rampup_ratio = entry.value("rampup_ratio", 0.0);
    track.options.batch = entry.value("batch", int64_t{0});
    track.step = entry.at("step").get<int64_t>();
    classic.push_back(std::move(track));
  }
  return classic;
}

}  // namespace

StoredClassicEma stored_copy(const ClassicEmaTrack& track) {
  StoredClassicEma stored{track.options(), track.step(), {}};
  for (const auto& [name, tensor] : track.params()) stored.params[name] = tensor.clone();
  return stored;
}

bool stores_classic_tracks(const EmaSnapshot& snapshot, const std::vector<ClassicEmaOptions>& options) {
  if (snapshot.classic.size() != options.size()) return false;
  for (size_t i = 0; i < options.size(); ++i) {
    if (!(snapshot.classic[i].options == options[i])) return false;
  }
  return true;
}

void write_ema_snapshot(const std::string& path, const EmaSnapshot& snapshot) {
  storage::TensorFile file;
  for (size_t i = 0; i < snapshot.tracks.size(); ++i) {
    for (const auto& [name, tensor] : snapshot.tracks[i]) file.tensors[track_prefix(i) + name] = tensor;
  }
  for (const StoredClassicEma& track : snapshot.classic) {
    for (const auto& [name, tensor] : track.params) file.tensors[classic_prefix(track.options.name) + name] = tensor;
  }
  for (const auto& [name, tensor] : snapshot.buffers) file.tensors[kBufferPrefix + name] = tensor;
  file.metadata = {{"kind", "ema-snapshot"},   {"step", snapshot.step},
                   {"nimg", snapshot.nimg},    {"stds", snapshot.stds},
                   {"model", snapshot.model},  {"config_hash", snapshot.config_hash}};
  // Absent when empty, so a run without classic EMA writes the files it always wrote.
  if (!snapshot.classic.empty()) file.metadata["classic_ema"] = classic_metadata(snapshot.classic);
  if (!snapshot.image_decoder.is_null()) file.metadata["image_decoder"] = snapshot.image_decoder;
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
    if (file.metadata.contains("image_decoder")) snapshot.image_decoder = file.metadata.at("image_decoder");
    if (file.metadata.contains("classic_ema")) {
      snapshot.classic = classic_from_metadata(file.metadata.at("classic_ema"));
    }
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
    for (size_t i = 0; i < snapshot.classic.size() && !placed; ++i) {
      const std::string prefix = classic_prefix(snapshot.classic[i].options.name);
      if (name.rfind(prefix, 0) == 0) {
        snapshot.classic[i].params[name.substr(prefix.size())] = tensor;
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

storage::NamedTensors chosen_track_state_dict(const EmaSnapshot& snapshot, double ema_std,
                                              const std::string& ema_name) {
  if (ema_name.empty()) {
    for (size_t i = 0; i < snapshot.stds.size(); ++i) {
      if (std::abs(snapshot.stds[i] - ema_std) <= 1e-9) return snapshot_state_dict(snapshot, i);
    }
  } else {
    for (const StoredClassicEma& track : snapshot.classic) {
      if (track.options.name != ema_name) continue;
      storage::NamedTensors state = track.params;
      state.insert(snapshot.buffers.begin(), snapshot.buffers.end());
      return state;
    }
  }
  std::ostringstream held;
  held << "stds ";
  for (size_t i = 0; i < snapshot.stds.size(); ++i) held << (i ? ", " : "") << snapshot.stds[i];
  for (size_t i = 0; i < snapshot.classic.size(); ++i) {
    held << (i ? ", '" : " and classic tracks '") << snapshot.classic[i].options.name << "'";
  }
  const std::string wanted = ema_name.empty() ? "with std " + std::to_string(ema_std) : "named '" + ema_name + "'";
  throw std::invalid_argument("no EMA track " + wanted + " (it holds " + held.str() +
                              "; reconstruct other stds with `dact ema reconstruct`)");
}

}  // namespace dact::workers::ema
