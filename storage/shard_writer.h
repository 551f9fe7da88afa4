#pragma once
// Streams samples into a new shard dataset directory: every `shard_size` samples
// become one shard file (written atomically), and finish() writes manifest.json
// last, so an interrupted conversion never leaves a directory that looks complete.
// Not thread-safe; one writer per directory.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/shard_manifest.h"

namespace dact::storage {

struct ShardWriterOptions {
  std::string sample_key = "images";  // "images" (uint8) or "latents" (float16/32)
  torch::Dtype dtype = torch::kUInt8;
  std::vector<int64_t> sample_shape;  // [C, H, W]
  int64_t resolution = 0;
  std::vector<std::string> class_names;
  int64_t shard_size = 10000;  // samples per shard file
  // Chunks of ~256 KiB: large enough that sequential reads are a few syscalls per
  // batch, small enough that the chunk cache holds many of them.
  int64_t chunk_target_bytes = 256 * 1024;
};

class ShardWriter {
 public:
  // Creates `dataset_dir` if needed. A directory that already holds a manifest is
  // refused (StorageError): remove it first, so old and new shards never mix.
  ShardWriter(std::string dataset_dir, ShardWriterOptions options);

  // Appends samples [B, C, H, W] of the configured dtype/shape and labels [B] in
  // [0, class_count). Wrong shape/dtype/label = std::invalid_argument.
  void add(const torch::Tensor& samples, const torch::Tensor& labels);

  // Writes the remaining samples and the manifest; returns the manifest.
  ShardManifest finish();

 private:
  void write_shard(const torch::Tensor& samples, const torch::Tensor& labels);
  void flush_full_shards();

  std::string dataset_dir_;
  ShardWriterOptions options_;
  ShardManifest manifest_;
  std::vector<torch::Tensor> pending_samples_;
  std::vector<torch::Tensor> pending_labels_;
  int64_t pending_count_ = 0;
  bool finished_ = false;
};

}  // namespace dact::storage
