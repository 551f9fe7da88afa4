#include "workers/tensor_bytes.h"

namespace dact::workers {

actors::Bytes tensors_to_bytes(const storage::NamedTensorMap& tensors) {
  actors::Bytes bytes(storage::encoded_tensors_size(tensors));
  storage::encode_tensors(tensors, bytes.data());
  return bytes;
}

storage::NamedTensorMap tensors_from_bytes(const actors::Bytes& bytes) {
  return storage::decode_tensors(bytes.data(), bytes.size());
}

}  // namespace dact::workers
