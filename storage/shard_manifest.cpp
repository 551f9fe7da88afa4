#include "storage/shard_manifest.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "storage/atomic_file.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace fs = std::filesystem;
namespace {

template <typename T>
T required(const nlohmann::json& json, const std::string& key, const std::string& source,
           const std::string& where = "") {
  const std::string path = where.empty() ? key : where + "." + key;
  if (!json.is_object() || !json.contains(key)) {
    throw StorageError(source, "missing key '" + path + "'");
  }
  try {
    return json.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw StorageError(source, "key '" + path + "' has the wrong type (" +
                                   std::string(json.at(key).type_name()) + ")");
  }
}

std::string manifest_path(const std::string& dataset_dir) {
  return (fs::path(dataset_dir) / kManifestFileName).string();
}

}  // namespace

int64_t dtype_size_bytes(const std::string& dtype) {
  if (dtype == "uint8") return 1;
  if (dtype == "float16") return 2;
  if (dtype == "float32") return 4;
  throw std::invalid_argument("unsupported shard dtype '" + dtype +
                              "' (expected uint8, float16 or float32)");
}

int64_t ShardManifest::sample_bytes() const {
  int64_t bytes = dtype_size_bytes(dtype);
  for (int64_t dim : sample_shape) bytes *= dim;
  return bytes;
}

nlohmann::json manifest_to_json(const ShardManifest& manifest) {
  nlohmann::json shards = nlohmann::json::array();
  for (const ShardEntry& shard : manifest.shards) {
    shards.push_back({{"file", shard.file},
                      {"count", shard.count},
                      {"first_index", shard.first_index},
                      {"xxh64", shard.xxh64}});
  }
  nlohmann::json json = {{"format_version", manifest.format_version},
          {"sample_key", manifest.sample_key},
          {"dtype", manifest.dtype},
          {"sample_shape", manifest.sample_shape},
          {"resolution", manifest.resolution},
          {"chunk_samples", manifest.chunk_samples},
          {"class_names", manifest.class_names},
          {"class_count", manifest.class_names.size()},
          {"total_count", manifest.total_count},
          {"shards", shards}};
  if (!manifest.latent.is_null()) json["latent"] = manifest.latent;
  return json;
}

ShardManifest manifest_from_json(const nlohmann::json& json, const std::string& source) {
  ShardManifest manifest;
  manifest.format_version = required<int>(json, "format_version", source);
  if (manifest.format_version != kShardFormatVersion) {
    throw StorageError(source, "format_version " + std::to_string(manifest.format_version) +
                                   " is not supported (expected " +
                                   std::to_string(kShardFormatVersion) + ")");
  }
  manifest.sample_key = required<std::string>(json, "sample_key", source);
  if (manifest.sample_key != "images" && manifest.sample_key != "latents") {
    throw StorageError(
        source, "sample_key '" + manifest.sample_key + "' (expected \"images\" or \"latents\")");
  }
  manifest.dtype = required<std::string>(json, "dtype", source);
  try {
    dtype_size_bytes(manifest.dtype);
  } catch (const std::invalid_argument& e) {
    throw StorageError(source, std::string("key 'dtype': ") + e.what());
  }
  manifest.sample_shape = required<std::vector<int64_t>>(json, "sample_shape", source);
  if (manifest.sample_shape.size() != 3 ||
      std::any_of(manifest.sample_shape.begin(), manifest.sample_shape.end(),
                  [](int64_t dim) { return dim <= 0; })) {
    throw StorageError(source, "key 'sample_shape' must be three positive sizes [C, H, W]");
  }
  manifest.resolution = required<int64_t>(json, "resolution", source);
  manifest.chunk_samples = required<int64_t>(json, "chunk_samples", source);
  if (manifest.chunk_samples <= 0) throw StorageError(source, "key 'chunk_samples' must be > 0");
  manifest.class_names = required<std::vector<std::string>>(json, "class_names", source);
  const auto class_count = required<size_t>(json, "class_count", source);
  if (class_count != manifest.class_names.size()) {
    throw StorageError(source, "class_count " + std::to_string(class_count) + " but " +
                                   std::to_string(manifest.class_names.size()) + " class_names");
  }
  manifest.total_count = required<int64_t>(json, "total_count", source);
  if (json.contains("latent")) manifest.latent = json.at("latent");
  const auto shards = required<nlohmann::json>(json, "shards", source);
  if (!shards.is_array()) throw StorageError(source, "key 'shards' must be an array");
  int64_t next_index = 0;
  for (size_t i = 0; i < shards.size(); ++i) {
    const std::string where = "shards[" + std::to_string(i) + "]";
    ShardEntry shard;
    shard.file = required<std::string>(shards[i], "file", source, where);
    shard.count = required<int64_t>(shards[i], "count", source, where);
    shard.first_index = required<int64_t>(shards[i], "first_index", source, where);
    shard.xxh64 = required<std::string>(shards[i], "xxh64", source, where);
    if (shard.count <= 0 || shard.first_index != next_index) {
      throw StorageError(source, where + ": count " + std::to_string(shard.count) +
                                     ", first_index " + std::to_string(shard.first_index) +
                                     " (expected count > 0, first_index " +
                                     std::to_string(next_index) + ")");
    }
    if (fs::path(shard.file).has_parent_path()) {
      throw StorageError(source, where + ".file '" + shard.file + "' must be a plain file name");
    }
    next_index += shard.count;
    manifest.shards.push_back(std::move(shard));
  }
  if (next_index != manifest.total_count) {
    throw StorageError(source, "total_count " + std::to_string(manifest.total_count) +
                                   " but the shards hold " + std::to_string(next_index));
  }
  return manifest;
}

ShardManifest read_manifest(const std::string& dataset_dir) {
  const std::string path = manifest_path(dataset_dir);
  std::ifstream in(path);
  if (!in) throw StorageError(path, "cannot open (not a shard dataset directory?)");
  nlohmann::json json;
  try {
    in >> json;
  } catch (const nlohmann::json::parse_error& e) {
    throw StorageError(path, std::string("not valid JSON: ") + e.what());
  }
  return manifest_from_json(json, path);
}

void write_manifest(const std::string& dataset_dir, const ShardManifest& manifest) {
  write_file_atomically(manifest_path(dataset_dir), manifest_to_json(manifest).dump(2) + "\n");
}

bool is_dataset_dir(const std::string& dir) { return fs::is_regular_file(manifest_path(dir)); }

std::vector<std::string> find_dataset_dirs(const std::string& dir) {
  if (is_dataset_dir(dir)) return {dir};
  std::vector<std::string> found;
  if (fs::is_directory(dir)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
      if (entry.is_directory() && is_dataset_dir(entry.path().string())) {
        found.push_back(entry.path().string());
      }
    }
  }
  if (found.empty()) {
    throw StorageError(dir, std::string("no ") + kManifestFileName +
                                " here or in its subdirectories (not a shard dataset)");
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace dact::storage
