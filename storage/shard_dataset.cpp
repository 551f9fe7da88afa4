#include "storage/shard_dataset.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <tuple>

#include "storage/storage_error.h"

namespace dact::storage {
namespace {

torch::Dtype torch_dtype_of(const std::string& dtype) {
  if (dtype == "uint8") return torch::kUInt8;
  if (dtype == "float16") return torch::kFloat16;
  return torch::kFloat32;  // manifest_from_json admits only these three
}

}  // namespace

struct ShardDataset::Request {
  int64_t shard;
  int64_t chunk;
  int64_t within;    // sample position inside the chunk
  int64_t position;  // row of the output batch

  bool operator<(const Request& other) const {
    return std::tie(shard, chunk, within) < std::tie(other.shard, other.chunk, other.within);
  }
};

ShardDataset::ShardDataset(std::string dataset_dir, ShardDatasetOptions options)
    : dataset_dir_(std::move(dataset_dir)),
      options_(options),
      manifest_(read_manifest(dataset_dir_)),
      sample_bytes_(manifest_.sample_bytes()),
      cache_(std::make_unique<ChunkCache>(options.cache_bytes)) {
  dataset_fits_in_cache_ = sample_bytes_ * manifest_.total_count <= options_.cache_bytes;
  try {
    open_shards();
  } catch (...) {
    for (const Shard& shard : shards_) ::close(shard.fd);
    throw;
  }
}

void ShardDataset::open_shards() {
  std::vector<torch::Tensor> labels;
  for (const ShardEntry& entry : manifest_.shards) {
    Shard shard;
    shard.path = (std::filesystem::path(dataset_dir_) / entry.file).string();
    shard.first_index = entry.first_index;
    shard.count = entry.count;
    shard.layout = inspect_shard_file(shard.path, manifest_, entry);
    if (options_.verify_checksums) verify_shard_checksum(shard.path, entry);
    shard.fd = ::open(shard.path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat status {};
    if (shard.fd < 0 || ::fstat(shard.fd, &status) != 0) {
      const std::string reason = std::strerror(errno);
      if (shard.fd >= 0) ::close(shard.fd);
      throw StorageError(shard.path, "cannot open for reading: " + reason);
    }
    shards_.push_back(shard);  // fd now closed by ~ShardDataset or the constructor
    for (const ChunkExtent& chunk : shard.layout.chunks) {
      if (chunk.offset_bytes + chunk.size_bytes > status.st_size) {
        throw StorageError(shard.path,
                           fmt::format("dataset '{}': chunk at byte {} lies past "
                                       "the end of the file ({} bytes; truncated?)",
                                       manifest_.sample_key, chunk.offset_bytes, status.st_size));
      }
    }
    labels.push_back(shard.layout.labels);
  }
  labels_ = torch::cat(labels);
}

ShardDataset::~ShardDataset() {
  for (const Shard& shard : shards_) ::close(shard.fd);
}

void ShardDataset::pread_exactly(const Shard& shard, void* destination, int64_t size_bytes,
                                 int64_t offset_bytes) const {
  auto* bytes = static_cast<uint8_t*>(destination);
  while (size_bytes > 0) {
    const ssize_t got = ::pread(shard.fd, bytes, static_cast<size_t>(size_bytes), offset_bytes);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      throw StorageError(shard.path, fmt::format("dataset '{}': read of {} bytes at offset {} "
                                                 "failed: {}",
                                                 manifest_.sample_key, size_bytes, offset_bytes,
                                                 got == 0 ? "end of file" : std::strerror(errno)));
    }
    bytes += got;
    offset_bytes += got;
    size_bytes -= got;
  }
}

void ShardDataset::read_chunk_requests(const Request* begin, const Request* end,
                                       uint8_t* out) const {
  const Shard& shard = shards_[begin->shard];
  const ChunkExtent& extent = shard.layout.chunks[begin->chunk];
  const int64_t chunk_samples = shard.layout.chunk_samples;
  const int64_t samples_in_chunk =
      std::min(chunk_samples, shard.count - begin->chunk * chunk_samples);

  ChunkCache::Bytes chunk = cache_->find(begin->shard, begin->chunk);
  if (!chunk && dataset_fits_in_cache_) {
    auto bytes = std::make_shared<std::vector<uint8_t>>(samples_in_chunk * sample_bytes_);
    pread_exactly(shard, bytes->data(), static_cast<int64_t>(bytes->size()), extent.offset_bytes);
    chunk = bytes;
    cache_->insert(begin->shard, begin->chunk, chunk);
  }
  // One copy per run of adjacent samples: a sequential batch is one memcpy (or one
  // pread) per chunk, straight into the batch when the run's rows are adjacent there.
  std::vector<uint8_t> scratch;
  for (const Request* run = begin; run != end;) {
    const Request* run_end = run + 1;
    bool rows_adjacent = true;
    while (run_end != end && run_end->within == (run_end - 1)->within + 1) {
      rows_adjacent = rows_adjacent && run_end->position == (run_end - 1)->position + 1;
      ++run_end;
    }
    const int64_t run_bytes = (run_end - run) * sample_bytes_;
    uint8_t* run_out = out + run->position * sample_bytes_;
    const uint8_t* source = nullptr;
    if (chunk) {
      source = chunk->data() + run->within * sample_bytes_;
    } else {
      const int64_t offset_bytes = extent.offset_bytes + run->within * sample_bytes_;
      if (rows_adjacent) {
        pread_exactly(shard, run_out, run_bytes, offset_bytes);
        run = run_end;
        continue;
      }
      scratch.resize(static_cast<size_t>(run_bytes));
      pread_exactly(shard, scratch.data(), run_bytes, offset_bytes);
      source = scratch.data();
    }
    if (rows_adjacent) {
      std::memcpy(run_out, source, static_cast<size_t>(run_bytes));
    } else {
      for (const Request* r = run; r != run_end; ++r) {
        std::memcpy(out + r->position * sample_bytes_, source + (r - run) * sample_bytes_,
                    sample_bytes_);
      }
    }
    run = run_end;
  }
}

SampleBatch ShardDataset::read(const std::vector<int64_t>& indices) const {
  const auto batch_size = static_cast<int64_t>(indices.size());
  std::vector<int64_t> sizes{batch_size};
  sizes.insert(sizes.end(), manifest_.sample_shape.begin(), manifest_.sample_shape.end());
  SampleBatch batch{torch::empty(sizes, torch_dtype_of(manifest_.dtype)),
                    torch::empty({batch_size}, torch::kInt64)};
  const int64_t* all_labels = labels_.data_ptr<int64_t>();
  int64_t* batch_labels = batch.labels.data_ptr<int64_t>();

  std::vector<Request> requests(indices.size());
  for (int64_t row = 0; row < batch_size; ++row) {
    const int64_t index = indices[row];
    if (index < 0 || index >= size()) {
      throw std::out_of_range(
          fmt::format("{}: sample index {} outside [0, {})", dataset_dir_, index, size()));
    }
    const auto shard_it = std::upper_bound(
        shards_.begin(), shards_.end(), index,
        [](int64_t value, const Shard& shard) { return value < shard.first_index; });
    const int64_t shard = (shard_it - shards_.begin()) - 1;
    const int64_t local = index - shards_[shard].first_index;
    const int64_t chunk_samples = shards_[shard].layout.chunk_samples;
    requests[row] = {shard, local / chunk_samples, local % chunk_samples, row};
    batch_labels[row] = all_labels[index];
  }
  std::sort(requests.begin(), requests.end());
  auto* out = static_cast<uint8_t*>(batch.samples.data_ptr());
  for (auto group = requests.begin(); group != requests.end();) {
    auto group_end = group;
    while (group_end != requests.end() && group_end->shard == group->shard &&
           group_end->chunk == group->chunk) {
      ++group_end;
    }
    read_chunk_requests(&*group, &*group + (group_end - group), out);
    group = group_end;
  }
  return batch;
}

}  // namespace dact::storage
