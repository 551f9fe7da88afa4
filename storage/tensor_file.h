#pragma once
// The named-tensor container behind checkpoints and EMA snapshots: one HDF5 file,
// one dataset per tensor under /tensors (dtype preserved: float32/64, float16,
// bfloat16, int64/32, uint8, bool), a per-tensor xxHash64, and JSON metadata.
// Writes are atomic (temp name, fsync, rename). Reads verify the format marker,
// the tensor count and every checksum, and throw StorageError naming the file and
// the tensor that is wrong: a truncated or corrupted file is never loaded.
#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace dact::storage {

using NamedTensors = std::map<std::string, torch::Tensor>;

struct TensorFile {
  NamedTensors tensors;
  nlohmann::json metadata = nlohmann::json::object();
};

void write_tensor_file(const std::string& path, const TensorFile& contents);

TensorFile read_tensor_file(const std::string& path);

// Reads only the metadata (no tensor data, no checksums): cheap, for listings.
nlohmann::json read_tensor_file_metadata(const std::string& path);

// True when read_tensor_file would succeed; `reason` gets the error otherwise.
bool tensor_file_verifies(const std::string& path, std::string* reason = nullptr);

}  // namespace dact::storage
