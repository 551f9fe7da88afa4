#include "storage/shard_writer.h"

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

#include "storage/shard_file.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace fs = std::filesystem;
namespace {

std::string dtype_name(torch::Dtype dtype) {
  switch (dtype) {
    case torch::kUInt8: return "uint8";
    case torch::kFloat16: return "float16";
    case torch::kFloat32: return "float32";
    default:
      throw std::invalid_argument(
          fmt::format("shard samples must be uint8, float16 or "
                      "float32, not {}",
                      c10::toString(dtype)));
  }
}

}  // namespace

ShardWriter::ShardWriter(std::string dataset_dir, ShardWriterOptions options)
    : dataset_dir_(std::move(dataset_dir)), options_(std::move(options)) {
  if (options_.sample_shape.size() != 3) {
    throw std::invalid_argument("ShardWriter: sample_shape must be [C, H, W]");
  }
  if (options_.shard_size <= 0 || options_.class_names.empty()) {
    throw std::invalid_argument("ShardWriter: shard_size and the class count must be > 0");
  }
  if (is_dataset_dir(dataset_dir_)) {
    throw StorageError(dataset_dir_, std::string("already holds a dataset (") + kManifestFileName +
                                         "); remove it first");
  }
  fs::create_directories(dataset_dir_);
  manifest_.sample_key = options_.sample_key;
  manifest_.dtype = dtype_name(options_.dtype);
  manifest_.sample_shape = options_.sample_shape;
  manifest_.resolution = options_.resolution;
  manifest_.class_names = options_.class_names;
  manifest_.chunk_samples = std::max<int64_t>(
      1, std::min(options_.shard_size, options_.chunk_target_bytes / manifest_.sample_bytes()));
}

void ShardWriter::add(const torch::Tensor& samples, const torch::Tensor& labels) {
  std::vector<int64_t> expected{samples.dim() > 0 ? samples.size(0) : 0};
  expected.insert(expected.end(), options_.sample_shape.begin(), options_.sample_shape.end());
  if (samples.sizes() != c10::IntArrayRef(expected) || samples.scalar_type() != options_.dtype ||
      labels.dim() != 1 || labels.size(0) != samples.size(0)) {
    throw std::invalid_argument(fmt::format(
        "ShardWriter::add: got samples [{}] {} and labels [{}], expected [B, {}] {} and [B]",
        fmt::join(samples.sizes(), ", "), c10::toString(samples.scalar_type()),
        fmt::join(labels.sizes(), ", "), fmt::join(options_.sample_shape, ", "), manifest_.dtype));
  }
  if (samples.size(0) == 0) return;
  const int64_t class_count = static_cast<int64_t>(options_.class_names.size());
  if (labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() >= class_count) {
    throw std::invalid_argument(
        fmt::format("ShardWriter::add: labels must lie in [0, {})", class_count));
  }
  pending_samples_.push_back(samples.cpu());
  pending_labels_.push_back(labels.cpu());
  pending_count_ += samples.size(0);
  flush_full_shards();
}

void ShardWriter::flush_full_shards() {
  if (pending_count_ < options_.shard_size) return;
  torch::Tensor samples = torch::cat(pending_samples_);
  torch::Tensor labels = torch::cat(pending_labels_);
  int64_t start = 0;
  for (; pending_count_ - start >= options_.shard_size; start += options_.shard_size) {
    write_shard(samples.slice(0, start, start + options_.shard_size),
                labels.slice(0, start, start + options_.shard_size));
  }
  pending_samples_ = {samples.slice(0, start).clone()};
  pending_labels_ = {labels.slice(0, start).clone()};
  pending_count_ -= start;
}

void ShardWriter::write_shard(const torch::Tensor& samples, const torch::Tensor& labels) {
  ShardEntry entry;
  entry.file = fmt::format("shard-{:05d}.h5", manifest_.shards.size());
  entry.count = samples.size(0);
  entry.first_index = manifest_.total_count;
  entry.xxh64 = write_shard_file((fs::path(dataset_dir_) / entry.file).string(),
                                 manifest_.sample_key, samples, labels, manifest_.chunk_samples);
  manifest_.total_count += entry.count;
  manifest_.shards.push_back(std::move(entry));
}

ShardManifest ShardWriter::finish() {
  if (finished_) throw std::logic_error("ShardWriter::finish called twice");
  finished_ = true;
  if (pending_count_ > 0) {
    write_shard(torch::cat(pending_samples_), torch::cat(pending_labels_));
  }
  if (manifest_.total_count == 0) {
    throw StorageError(dataset_dir_, "no samples were written; refusing an empty dataset");
  }
  write_manifest(dataset_dir_, manifest_);
  return manifest_;
}

}  // namespace dact::storage
