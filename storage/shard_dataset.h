#pragma once
// Random access to the samples of a shard dataset directory by global sample
// index (0 .. size()-1, in shard order), for shuffled training orders.
//
// Opening reads manifest.json, checks each shard's HDF5 structure against it
// (dataset names, dtype, shape, chunking; inspect_shard_file) and, unless
// verify_checksums is off, the xxHash64 of each shard's bytes (one sequential read of
// the dataset, once per ShardDataset; cost in bench/results/shard_read.md): a mismatch
// is a StorageError naming the shard file. Bytes changed after opening are not seen.
//
// Reads bypass HDF5: shards are uncompressed and chunked, so sample bytes are
// pread() from the chunk offsets found at open time. This makes read() safe to
// call from many threads at once (Debian's HDF5 is not thread-safe) and keeps
// shuffled reads close to raw pread speed. When the whole dataset fits in the
// cache, chunks are read whole into an LRU ChunkCache (each chunk is read once,
// later epochs are memcpy). When it does not, samples are pread straight into the
// batch, one call per run of adjacent samples: caching whole chunks would read a
// chunk's worth of bytes per sample in a shuffled order (measured in
// bench/results/shard_read.md).
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "storage/chunk_cache.h"
#include "storage/shard_file.h"
#include "storage/shard_manifest.h"

namespace dact::storage {

struct ShardDatasetOptions {
  int64_t cache_bytes = int64_t{256} << 20;
  bool verify_checksums = true;  // off only where a caller verified the files itself
};

struct SampleBatch {
  torch::Tensor samples;  // [B, C, H, W], the manifest's dtype (uint8 images)
  torch::Tensor labels;   // int64 [B]
};

class ShardDataset {
 public:
  explicit ShardDataset(std::string dataset_dir, ShardDatasetOptions options = {});
  ~ShardDataset();
  ShardDataset(const ShardDataset&) = delete;
  ShardDataset& operator=(const ShardDataset&) = delete;

  const ShardManifest& manifest() const { return manifest_; }
  const std::string& dir() const { return dataset_dir_; }
  int64_t size() const { return manifest_.total_count; }
  // Every label, int64 [size()].
  const torch::Tensor& labels() const { return labels_; }

  // The samples at `indices`, in that order (repeats allowed). Thread-safe. An
  // index outside [0, size()) is std::out_of_range; a failed read is a
  // StorageError naming the shard file.
  SampleBatch read(const std::vector<int64_t>& indices) const;

  const ChunkCache& cache() const { return *cache_; }

 private:
  struct Shard {
    std::string path;
    int fd = -1;
    int64_t first_index = 0;
    int64_t count = 0;
    ShardFileLayout layout;
  };
  struct Request;

  void open_shards();
  void read_chunk_requests(const Request* begin, const Request* end, uint8_t* out) const;
  void pread_exactly(const Shard& shard, void* destination, int64_t size_bytes,
                     int64_t offset_bytes) const;

  std::string dataset_dir_;
  ShardDatasetOptions options_;
  ShardManifest manifest_;
  std::vector<Shard> shards_;
  torch::Tensor labels_;
  int64_t sample_bytes_ = 0;
  bool dataset_fits_in_cache_ = false;
  std::unique_ptr<ChunkCache> cache_;
};

}  // namespace dact::storage
