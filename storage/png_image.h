#pragma once
// PNG decoding with libpng's simplified API: any PNG (gray, palette, 16-bit,
// alpha) becomes 8-bit RGB; alpha is composited onto black.
#include <torch/torch.h>

#include <string>

namespace dact::storage {

// uint8 [3, H, W]. An unreadable or corrupt file is a StorageError naming it.
torch::Tensor read_png_rgb(const std::string& path);

}  // namespace dact::storage
