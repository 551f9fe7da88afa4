#pragma once
// JPEG decoding with libjpeg(-turbo), to 8-bit RGB as Pillow's
// Image.open(f).convert('RGB') gives it: grayscale is replicated to three channels;
// 4-channel (CMYK / YCCK) files are read as Adobe-inverted CMYK, as Pillow assumes,
// and converted with Pillow's cmyk2rgb (R = (255 - K) * (255 - C) / 255, rounded as
// Pillow does). EXIF orientation is ignored, as by Pillow's convert and EDM2's tool.
#include <torch/torch.h>

#include <string>
#include <string_view>

namespace dact::storage {

// uint8 [3, H, W]. A corrupt or truncated file is a StorageError naming `name` and
// libjpeg's reason: libjpeg's errors never exit() the process (its default handler
// would), and its "premature end of JPEG file" warning is an error here, as in Pillow.
// Other libjpeg warnings (e.g. extraneous bytes before a marker) are ignored, as
// Pillow ignores them.
torch::Tensor decode_jpeg_rgb(std::string_view bytes, const std::string& name);

}  // namespace dact::storage
