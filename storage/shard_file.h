#pragma once
// One shard file (shard-NNNNN.h5): how it is written and how a reader learns where
// its sample bytes are. Samples are stored uncompressed in chunks along the sample
// axis, so a reader can pread() sample bytes straight from the chunk offsets found
// here, without calling HDF5 (which Debian builds without thread safety) per read.
// Both functions hold storage::hdf5_mutex() while they use HDF5.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/shard_manifest.h"

namespace dact::storage {

struct ChunkExtent {
  int64_t offset_bytes = 0;  // position of the chunk's first byte in the file
  int64_t size_bytes = 0;
};

struct ShardFileLayout {
  int64_t chunk_samples = 0;        // samples per chunk (the last may be partly used)
  std::vector<ChunkExtent> chunks;  // chunk k holds samples [k, k+1) * chunk_samples
  torch::Tensor labels;             // int64 [count]
};

// Writes `samples` [count, C, H, W] (uint8, float16 or float32) as dataset
// `sample_key` and `labels` (integer, [count]) as int32 to `path` through a temp
// name + fsync + rename. The file is built in memory first and written in one
// piece (needs about the shard's size again in RAM). Returns the xxHash64 (hex)
// of the committed file's bytes.
std::string write_shard_file(const std::string& path, const std::string& sample_key,
                             const torch::Tensor& samples, const torch::Tensor& labels,
                             int64_t chunk_samples);

// Opens `path` (shard `entry` of `manifest`) and checks what the manifest promises:
// sample dataset name, dtype, shape, chunking, no compression filter, labels int32
// [count] in [0, class_count). Any mismatch is a StorageError naming the file, the
// dataset and what was expected. Does not checksum the bytes (verify_shard_checksum does).
ShardFileLayout inspect_shard_file(const std::string& path, const ShardManifest& manifest,
                                   const ShardEntry& entry);

// The xxHash64 of the file's bytes equals the manifest's (one sequential read of it);
// a mismatch is a StorageError naming `path`.
void verify_shard_checksum(const std::string& path, const ShardEntry& entry);

}  // namespace dact::storage
