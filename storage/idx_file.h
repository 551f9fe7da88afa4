#pragma once
// IDX files, the MNIST / Fashion-MNIST format (http://yann.lecun.com/exdb/mnist/):
// a big-endian header (0x00 0x00, type code, number of dims, then each dim as
// uint32) followed by the data. Gzipped or plain files both work (zlib's gzread).
#include <torch/torch.h>

#include <string>

namespace dact::storage {

// The whole file as a uint8 tensor with the file's dims (e.g. [60000, 28, 28]).
// Only the unsigned-byte type (0x08) is supported. A missing, truncated or
// malformed file is a StorageError naming it.
torch::Tensor read_idx_file(const std::string& path);

}  // namespace dact::storage
