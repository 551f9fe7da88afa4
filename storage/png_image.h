#pragma once
// PNG decoding with libpng's simplified API to 8-bit RGB as Pillow's
// Image.open(f).convert('RGB') gives it: gray and palette images are expanded, and an
// alpha channel is dropped (not composited). Where libpng's simplified API converts
// and Pillow does not, values can differ from Pillow's: 16-bit files (libpng treats
// them as linear light) and files whose gAMA chunk is not sRGB's.
#include <torch/torch.h>

#include <string>
#include <string_view>

namespace dact::storage {

// uint8 [3, H, W]. An unreadable or corrupt file is a StorageError naming it.
torch::Tensor read_png_rgb(const std::string& path);

// The same for PNG bytes in memory; errors name `name`.
torch::Tensor decode_png_rgb(std::string_view bytes, const std::string& name);

}  // namespace dact::storage
