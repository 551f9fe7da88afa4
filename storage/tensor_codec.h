#pragma once
// Named tensors <-> one flat byte buffer, for sending weights and batches between
// actors (the actor runtime moves bytes and knows nothing of LibTorch).
// Layout, little-endian: u32 count; per tensor: u32 name length, name, u8 dtype,
// u8 ndim, i64 dims[ndim], u64 data bytes, data. Decoding checks every length
// against the buffer and throws std::invalid_argument on a malformed buffer.
#include <torch/torch.h>

#include <cstddef>
#include <map>
#include <string>

namespace dact::storage {

using NamedTensorMap = std::map<std::string, torch::Tensor>;

size_t encoded_tensors_size(const NamedTensorMap& tensors);

// Writes exactly encoded_tensors_size(tensors) bytes to `out`.
void encode_tensors(const NamedTensorMap& tensors, std::byte* out);

// Copies the tensors out of `data` (which may be freed afterwards).
NamedTensorMap decode_tensors(const std::byte* data, size_t size_bytes);

}  // namespace dact::storage
