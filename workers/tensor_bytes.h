// Named tensors as message payload bytes (storage/tensor_codec.h layout).
#pragma once

#include "actors/bytes.h"
#include "storage/tensor_codec.h"

namespace dact::workers {

actors::Bytes tensors_to_bytes(const storage::NamedTensorMap& tensors);
// Throws std::invalid_argument on a malformed buffer.
storage::NamedTensorMap tensors_from_bytes(const actors::Bytes& bytes);

}  // namespace dact::workers
