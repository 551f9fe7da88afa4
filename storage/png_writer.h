#pragma once
// Writes an 8-bit gray or RGB image as PNG (libpng simplified API), atomically.
#include <torch/torch.h>

#include <string>

namespace dact::storage {

// image: uint8 [1, H, W] or [3, H, W]. Throws StorageError naming `path`.
void write_png(const std::string& path, const torch::Tensor& image);

}  // namespace dact::storage
