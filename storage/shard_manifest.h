#pragma once
// manifest.json of a shard dataset directory: what every shard file holds and the
// xxHash64 of its bytes. Written last by ShardWriter (after every shard is in
// place), so a directory with a manifest is complete.
//
// Directory layout (format_version 1):
//   DIR/manifest.json
//   DIR/shard-00000.h5, ...   HDF5: `images` uint8 or `latents` float16/float32
//                             [count, C, H, W], chunked along the sample axis,
//                             uncompressed; `labels` int32 [count].
// Latent datasets (`dact dataset encode`) add the key "latent" (latent_manifest.h).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dact::storage {

inline constexpr int kShardFormatVersion = 1;
inline constexpr const char* kManifestFileName = "manifest.json";
inline constexpr const char* kLabelsDatasetName = "labels";

struct ShardEntry {
  std::string file;         // name relative to the dataset directory
  int64_t count = 0;        // samples in this shard
  int64_t first_index = 0;  // global index of its first sample
  std::string xxh64;        // 16 hex digits of the whole file's bytes
};

struct ShardManifest {
  int format_version = kShardFormatVersion;
  std::string sample_key;             // "images" or "latents"
  std::string dtype;                  // "uint8", "float16" or "float32"
  std::vector<int64_t> sample_shape;  // [C, H, W]
  int64_t resolution = 0;             // H == W of the source images (pixels)
  int64_t chunk_samples = 0;          // HDF5 chunk length along the sample axis
  std::vector<std::string> class_names;
  int64_t total_count = 0;
  std::vector<ShardEntry> shards;
  // What latent shards hold (latent_manifest.h); null for images, and then absent from
  // the file, so pixel manifests stay as they were.
  nlohmann::json latent;

  int64_t sample_bytes() const;
};

// Size of one element of a manifest dtype; unknown dtype = std::invalid_argument.
int64_t dtype_size_bytes(const std::string& dtype);

nlohmann::json manifest_to_json(const ShardManifest& manifest);
// `source` names the file in errors. Missing keys, wrong types, counts that do not
// add up, or an unknown format version are a StorageError naming source and key.
ShardManifest manifest_from_json(const nlohmann::json& json, const std::string& source);

// DIR/manifest.json; errors name that path.
ShardManifest read_manifest(const std::string& dataset_dir);
// Atomic (temp + fsync + rename).
void write_manifest(const std::string& dataset_dir, const ShardManifest& manifest);

bool is_dataset_dir(const std::string& dir);
// `dir` itself if it holds a manifest, else its immediate subdirectories that do
// (e.g. DIR/train and DIR/test from an IDX conversion), sorted. None = StorageError.
std::vector<std::string> find_dataset_dirs(const std::string& dir);

}  // namespace dact::storage
